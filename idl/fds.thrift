/**
 * File descriptors as Thrift values (our extension, the built-in type `fd`): every place an
 * `fd` may sit, for the golden, codec and RPC tests.
 *
 * An `fd` travels as a real descriptor attached to its message, so these types and services
 * need the fd transport over a Unix socket.
 */
namespace rs fds

include "fd_shadow.thrift"

/** A descriptor under another name. */
typedef fd Handle

/** Several descriptors under another name. */
typedef list<Handle> Handles

/** An open file, as one side hands it to the other. */
struct Opened {
  /** The descriptor itself; a value without it is an error. */
  1: required fd file
  /** A second descriptor, when the sender has one. */
  2: optional fd extra
  /** What the sender calls the file. */
  3: string name
  /** A descriptor through a typedef, with default requiredness: it must be present too. */
  4: Handle handle
}

/** Holds descriptors only through other structs, recursively. */
struct Nested {
  /** The file at this level. */
  1: required Opened opened
  /** The next level, if any. */
  2: optional Nested next
  /** How deep this level is. */
  3: i32 depth
}

/** Descriptors in every kind of container. */
struct Bundle {
  /** In order. */
  1: list<fd> list
  /** A set of descriptors keeps the order they were written in. */
  2: set<fd> set
  /** By name. */
  3: map<string, fd> by_name
  /** Through a typedef of a list of a typedef. */
  4: Handles handles
  /** Containers of containers, when present. */
  5: optional map<string, list<fd>> groups
}

/** A file, or a path to open. */
union Source {
  /** An open descriptor. */
  1: fd file
  /** A path the receiver opens itself. */
  2: string path
}

/** A directory tree whose leaves are open files: descriptors through mutual recursion. */
struct Dir {
  /** What the directory holds. */
  1: list<Entry> entries
}

/** One entry of a `Dir`. */
union Entry {
  /** A subdirectory. */
  1: Dir dir
  /** An open file. */
  2: fd file
}

/** A failure that hands over a log of what went wrong. */
exception Failed {
  /** What went wrong. */
  1: string message
  /** The log, when there is one. */
  2: optional fd log
}

/** Names that are merely `fd`: a field and an argument. */
struct Named {
  /** A field called `fd` of type `fd`. */
  1: fd fd
  /** The included file's `fd`, an `i32`. */
  2: fd_shadow.fd number
}

/** Without descriptors: keeps every derive. */
struct Stat {
  /** Size in bytes. */
  1: i64 size
  /** What the file is called. */
  2: string name
}

/** Every way a method can take or give descriptors, and one without them. */
service FdService {
  /** Returns the size of `file`. */
  i64 size(1: fd file)
  /** Returns a duplicate of `file`. */
  fd dup(1: fd file)
  /** Opens `path` and hands the file over, or fails with a log. */
  Opened open(1: string path) throws (1: Failed failed)
  /** Fails with `Failed`, whose log holds `log`. */
  void fail(1: string message, 2: fd log) throws (1: Failed failed)
  /** Returns the descriptors it received, regrouped. */
  Bundle regroup(1: list<fd> files, 2: set<fd> unique, 3: map<string, fd> named, 4: Handle handle)
  /** Returns the nested files it was given, one level deeper. */
  Nested wrap(1: Nested inner)
  /** Opens the path of a `Source`, or passes its file on. */
  Source resolve(1: Source source)
  /** Takes a file and forgets it; nothing is answered. */
  oneway void deliver(1: fd file, 2: string note)
  /** An argument called `fd`; returns its size. */
  i64 named(1: fd fd)
  /** Without descriptors: the size and name of a path. */
  Stat stat(1: string path)
}

/** A service on channel 9, for channel endpoints whose peers trade descriptors. */
service FdPeer channel 9 {
  /** Returns a descriptor for the same file as `f`. */
  fd give(1: fd f)
  /** Takes descriptors; returns how many arrived. */
  i32 take(1: list<fd> fds)
}
