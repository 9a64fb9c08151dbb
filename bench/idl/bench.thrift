// The values of the codec benchmark (benches/codec/): encode and decode, binary and compact
// protocols, compared across our generated code, Apache's (`thrift --gen rs`) and pilota's
// (pilota-build). All three generators read this file; fields are declared in id order so
// that every implementation writes them in the same order.
//
// `(pilota.rust_type = "btree")` makes pilota generate a BTreeMap (its default is an
// AHashMap), like ours and Apache's, so that every implementation writes the map's entries in
// the same (key) order and the encoded bytes can be compared exactly. Apache's compiler and
// ours ignore the annotation.

namespace rs bench

// Workload 1: six scalars.
struct Scalars {
  1: bool flag,
  2: i8 tiny,
  3: i16 small,
  4: i32 medium,
  5: i64 large,
  6: double ratio,
}

// Nested in Order.
struct Customer {
  1: i64 id,
  2: string name,
  3: string email,
}

// Workload 2: an order-like struct. A field follows the nested struct, so a compact writer
// that loses the field-id delta after a nested struct shows up in the bytes.
struct Order {
  1: i64 id,
  2: Customer customer,
  3: i32 status,
  4: list<i64> item_ids,
  5: map<string, string> attributes (pilota.rust_type = "btree"),
  6: optional string note,
  7: optional i32 priority,
  8: optional double discount,
  9: optional i64 parent_id,
  10: binary payload,
  11: bool paid,
}

// An element of workload 3.
struct LogRecord {
  1: string host,
  2: string app,
  3: string message,
  4: i64 timestamp,
  5: i32 level,
}

// Workload 3: 1,000 log records.
struct LogBatch {
  1: list<LogRecord> records,
}

// Workload 4: 10,000 doubles.
struct Doubles {
  1: list<double> values,
}

// Workload 5: 10,000 i32s.
struct Ints {
  1: list<i32> values,
}
