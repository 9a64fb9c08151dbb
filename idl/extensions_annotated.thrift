/**
 * Our two extensions, file descriptors and channels, spelled as annotations that Apache
 * Thrift's compiler parses and ignores, so this one file also compiles for other languages.
 * `thrift-build/tests/annotation_spelling.rs` checks that Apache's compiler accepts it and
 * that it generates exactly the Rust of the native spelling (`fd`, `service Name channel N`).
 *
 * Other languages see what travels on the wire: each descriptor as an `i32` (its index among
 * the descriptors sent with the message), and services on channels as plain services (the
 * channel is a byte of the binary protocol's header that Apache writes as 0 and ignores).
 */
namespace rs annotated

/** A descriptor under a name of its own. */
typedef i32 (rs.fd = "true") Handle

/** Every place a descriptor may sit. */
struct Opened {
  1: required i32 (rs.fd = "true") file
  2: optional i32 (rs.fd = "true") extra
  3: Handle handle
  4: list<i32 (rs.fd = "true")> files
  5: set<i32 (rs.fd = "true")> unique
  6: map<string, i32 (rs.fd = "true")> by_name
  7: optional map<string, list<Handle>> groups
  /** A plain number beside them. */
  8: i32 (rs.fd = "false") count
}

exception Failed {
  1: string message
  2: optional i32 (rs.fd = "true") log
}

/** A service on channel 3. */
service Files {
  Opened open(1: string path) throws (1: Failed failed)
  i32 (rs.fd = "true") dup(1: i32 (rs.fd = "true") file)
  oneway void deliver(1: Handle file, 2: list<i32 (rs.fd = "true")> more)
} (rs.channel = "3")

/** A service on channel 4 that extends one on channel 3. */
service MoreFiles extends Files {
  i64 size(1: Handle file)
} (rs.channel = "4")

/** A service on channel 0, as without the annotation. */
service Plain {
  string hello(1: string name)
} (rs.channel = "0")
