/**
 * File descriptors over Thrift: the example application's file service and bulk transfer.
 *
 * Both services run over the fd transport (a Unix socket), where an `fd` value travels as a
 * real descriptor attached to its message.
 */
namespace rs files

/** The caller may not open this file. */
exception Denied {
  /** Why, in words. */
  1: string reason,
  /** The caller's uid, as the kernel reported it. */
  2: i32 uid,
}

/** The file could not be opened. */
exception OpenFailed {
  1: string path,
  /** The operating system's error. */
  2: string reason,
}

/** A file opened by the server on the caller's behalf. */
struct OpenedFile {
  /** A read-only descriptor of the file. */
  1: required fd file,
  /** Its size in bytes when it was opened. */
  2: required i64 size,
}

/** Opens files for clients the server's policy allows. */
service FileService {
  /**
   * Opens `path` (relative to the server's root) read-only, if the policy allows the
   * caller's uid, and hands the descriptor over.
   */
  OpenedFile open(1: string path) throws (1: Denied denied, 2: OpenFailed failed),
}

/** What the receiver of a bulk transfer saw. */
struct Digest {
  1: i64 len,
  /** FNV-1a of the bytes. */
  2: i64 checksum,
}

/** Receives bulk data, by descriptor or by value. */
service Bulk {
  /** Reads a sealed memfd of `len` bytes and digests it. */
  Digest take_memfd(1: fd data, 2: i64 len),
  /** Digests the same bytes sent in the message itself. */
  Digest take_bytes(1: binary data),
}
