/**
 * Version 2 of `unknown_v1.thrift`: new fields of every type, between, before and after the
 * old ones, and a new union member (tests/codegen/tests/unknown_fields.rs).
 */

enum Color {
  RED = 1,
  GREEN = 2,
}

struct Inner {
  1: i32 a,
  2: optional list<i16> more,
}

union Pick {
  1: i32 num,
  2: string text,
  3: Inner inner,
}

union Choice {
  1: i32 num,
  2: string text,
}

struct Record {
  1: bool flag,
  2: i8 small,
  3: i32 id,
  4: i16 short_num,
  5: optional bool off,
  6: double ratio,
  7: string name,
  8: i64 wide,
  9: optional i64 stamp,
  10: binary blob,
  11: uuid key,
  12: Color color,
  13: Inner inner,
  14: list<string> names,
  15: set<i32> ids,
  16: map<string, Inner> by_name,
  17: Choice choice,
  18: list<bool> bits,
  19: map<i64, list<double>> nested,
  200: optional string far,
}

struct Empty {
  1: i32 x,
  2: optional string y,
}

exception Failure {
  1: string message,
  2: i32 code,
}

struct Holder {
  1: Record record,
  2: list<Record> records,
  3: Pick pick,
  4: Failure failure,
  5: Empty empty,
}
