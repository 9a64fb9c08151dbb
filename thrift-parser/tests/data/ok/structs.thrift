/**
 * A struct with every kind of field.
 *
 *   Indented text stays indented.
 */
struct Everything {
  /** The id. */
  1: required i64 id,
  2: optional string name;
  3: list<string> tags = [],
  4: map<string, binary> blobs
  5: set<i8> small (python.immutable)
  6: bool flag = true (annotated = "yes", other)
  7: string (max_length = "10") bounded
  8: Everything & child
  9: uuid token
  10: map cpp_type "std::unordered_map<int, int>" <i32, i32> fast
  11: list cpp_type "std::deque<int>" <i32> deque
  -1: i32 explicit_negative
  12: double ratio = 1.5
} (final = "true")

/** Field names may be keywords, as in current Apache Thrift. */
struct Keywords {
  1: string string
  2: i32 enum
  3: list<i32> list
  4: map<string, string> map
  5: bool required
  6: i8 i8
  7: string type
  8: string self
  9: string from
  10: string channel
  11: string fd
}

struct NoIds {
  i32 first
  string second
}

union Choice {
  1: i32 number
  2: string text = "default"
  3: Choice nested
}

union Empty {}

exception Oops {
  1: string message
  2: i32 code = 500
}
