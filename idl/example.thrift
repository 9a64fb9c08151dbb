/** The example service of example-app: a tiny key-value store. */
namespace rs example

include "common.thrift"

/** A value stored under a key. */
union Value {
  1: string text
  2: i64 number
  3: binary blob
  4: list<Value> many
}

/** One stored entry. */
struct Entry {
  1: required string key
  2: Value value
  3: optional common.Timestamp updated
  4: map<string, string> labels = {}
}

/** Raised when a key does not exist. */
exception NotFound {
  1: string key
  2: string message = "no such key"
}

/** Store and fetch values. */
service Store {
  /** Stores `entry`, replacing any earlier value. */
  void put(1: Entry entry)
  /** Fetches the entry stored under `key`. */
  Entry get(1: string key) throws (1: NotFound not_found)
  /** Lists the keys with `prefix`, at most `limit`. */
  list<string> keys(1: string prefix, 2: i32 limit = 100)
  /** Forgets `key`; no reply. */
  oneway void forget(1: string key)
}

/** Channels (our extension): both ends host these on one connection. */
service EchoServer channel 3 {
  string Echo(1: string text)
  string ReverseEcho(1: string text)
}

service RandServer channel 55 {
  i64 Random()
}
