/** A base service and shared types, included by constructs.thrift. */
namespace py base

/** A point on a plane. */
struct Point {
  1: i32 x
  2: i32 y
}

/** Every service extends this one. */
service Health {
  /** Answers `true` while the server is up. */
  bool ping()
}
