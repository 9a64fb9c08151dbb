/**
 * IDL that is valid Thrift but hard on a Rust generator: keywords, names that collide after
 * case conversion or with generated names, recursion, uuid, and doc comments that look like
 * Markdown. Compiled by the golden tests and the codegen test crate.
 */
namespace rs edge_cases

/** Field and type names that are Rust keywords or std names. */
struct Keywords {
  1: string type
  2: i32 self
  3: bool match
  4: i64 fn
  5: string crate
  6: string Self
  7: i32 super
  8: string async
}

struct Result {
  1: i32 ok
}

struct Option {
  1: Result some
}

struct String {
  1: Option inner
}

/** `fooBar` and `foo_bar` become the same Rust name. */
struct Clash {
  1: i32 fooBar
  2: i32 foo_bar
  3: i32 FOO_BAR
}

/** Named like a generated item. */
struct StoreClient {
  1: i32 id
}

enum Weird {
  Self,
  KNOWN,
  lower_case,
  CamelCase
}

/** A union with the catch-all's name. */
union Variants {
  1: i32 unknown
  2: string Unknown
  3: Variants nested
}

struct Ids {
  1: uuid id
  2: optional uuid parent
  3: list<uuid> others
}

const uuid NIL = "00000000-0000-0000-0000-000000000000"
const uuid SOME_ID = "8d1e5c8e-3c2a-4a8e-9f1b-0123456789ab"

/**
 * Markdown hazards: [brackets], <tags>, https://example.com/x, and
 *
 *     an indented block that rustdoc must not compile
 *
 * - a list item that
 * continues here
 */
struct Docs {
  /** A field with `code` and a [link]. */
  1: i32 documented
}

/** Self-recursion through a required-looking (default) field. */
struct Chain {
  1: i32 value
  2: Chain next
}

/** Methods named like generated methods. */
service Store {
  i32 new(1: i32 read)
  void write(1: string process)
  oneway void process(1: i32 w)
  i32 into_inner(1: i32 seqid, 2: i32 result)
  Result type(1: Keywords self)
}

/** A service that has the same name as a struct elsewhere, and a struct with its name. */
struct Thing {
  1: i32 id
}

service Thing2 extends Store {
  Thing get(1: i32 id)
}
