/** The built-in `fd` in every position a type may take, and names that are merely `fd`. */
include "fd_typedef.thrift"

typedef fd Handle
typedef list<Handle> Handles

struct Opened {
  1: required fd file
  2: optional fd extra
  3: fd plain
  4: list<fd> many
  5: set<fd> unique
  6: set<Handle> aliased
  7: map<string, fd> named
  8: Handles handles
  /** A field named `fd` of type `fd`. */
  9: fd fd
  /** The included file's own `fd` is an i32, and has a default. */
  10: fd_typedef.fd number = 3
  11: map<fd_typedef.fd, list<fd>> nested
}

/** A recursive struct that holds a descriptor. */
struct Node {
  1: optional Node next
  2: optional fd here
}

union Either {
  1: fd file
  2: string path
}

exception Failed {
  1: string message
  2: optional fd log
}

enum Kind {
  fd,
  socket,
}

const i32 fd = 3
const Kind KIND = Kind.fd

service Files {
  fd open(1: string path) throws (1: Failed failed)
  void give(1: fd fd, 2: list<Handle> more)
  Opened describe(1: Either what)
  oneway void drop(1: fd file)
  /** A function named `fd`. */
  i32 fd(1: i32 fd = fd)
}

/** A service named `fd` is no type: `fd` below is still the built-in. */
service fd {
  fd get()
}
