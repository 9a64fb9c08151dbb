/**
 * Version 1 of a schema that `unknown_v2.thrift` extends: generated with
 * `keep_unknown_fields`, it must keep every field only version 2 knows and write it back
 * unchanged (tests/codegen/tests/unknown_fields.rs).
 */

enum Color {
  RED = 1,
  GREEN = 2,
}

struct Inner {
  1: i32 a,
}

/** Version 2 adds a member. */
union Pick {
  1: i32 num,
}

/** Version 2 adds fields between, before and after these. */
struct Record {
  3: i32 id,
  7: string name,
  9: optional i64 stamp,
}

/** Knows none of version 2's fields. */
struct Empty {
}

exception Failure {
  1: string message,
}

struct Holder {
  1: Record record,
  2: list<Record> records,
  3: Pick pick,
  4: Failure failure,
  5: Empty empty,
}
