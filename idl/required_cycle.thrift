/**
 * Valid Thrift that no value can satisfy: structs that hold each other through `required`
 * fields only. Apache Thrift accepts it; thrift-build generates it with a warning, boxes the
 * cycle, and derives no `Default` (which would have to build an endless value). Kept out of
 * edge_cases.thrift so the codegen test crate's build does not print the warning every time.
 */
namespace rs required_cycle

/** Holds a `Second`, which holds a `First` again. */
struct First {
  1: required Second second
  2: i32 count = 3
}

/** Closes the cycle; its other fields cannot break it. */
struct Second {
  1: required First first
  2: list<First> more
  3: optional First spare
}

/** Holds itself through a required field. */
struct Itself {
  1: required Itself inner
}

/** Outside the cycle, but holds a member of it: it has no `Default` either. */
struct Holder {
  1: First first
  2: optional Itself itself
  3: i32 plain
}
