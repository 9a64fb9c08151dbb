/**
 * IDL that is valid Thrift but hard on a Rust generator: keywords, names that collide after
 * case conversion or with generated names, recursion, uuid, and doc comments of every shape
 * (Javadoc HTML, Markdown, lists, fences, backslashes, tabs), which must give warning-free
 * rustdoc. Compiled by the golden tests and the codegen test crate.
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

/**
 * Javadoc-style HTML, kept as text:
 * <ul>
 * <li>an item that goes on
 * over the next line</li>
 *   <li>an indented item
 *       continued deeper</li>
 * </ul>
 * <p>With <b>bold</b>, <code>a < b</code>, <br/>, &amp;, &lt;tag&gt; and <!-- a comment -->.
 * <pre>
 *     indented inside pre
 * </pre>
 */
struct HtmlDocs {
  /**
   * <li>a field doc that starts with an item
   *  and continues</li>
   */
  1: i32 item
}

/**
 * # A heading
 * #include <stdio.h>
 * Setext
 * ======
 * > a quote
 * that goes on
 * | a | table |
 * |---|-------|
 * * * *
 *         indented after a rule
 * text
 * 2. not a list after a paragraph
 * continued
 */
enum MarkdownDocs {
  /**
   * - a value doc
   * lazily continued
   */
  ONE = 1
}

/**
 * Lists:
 * - dash
 * continued lazily
 * * star
 *   continued
 * + plus
 * -no space
 * -
 * 1.
 * after empty items
 * 1. one
 * 2) two
 *       overindented
 * * - two markers on one line
 * continued
 * -      five spaces after the marker
 * - ```
 * 1. ~~~
 *   - nested
 *     - deeper
 *   continued
 *
 *       after a blank line
 * - [x] task
 * - [ref]: https://example.com
 */
struct ListDocs {
  1: i32 f
}

/**
 * Fences, none of them a doctest:
 * ```
 * plain
 * ```
 * ```rust
 * fn main() { this is not rust }
 * ```
 * ```ignore
 * nor this
 * ```
 * ````
 * four backticks
 * ````
 * ~~~
 * tildes
 * ~~~
 * - a list with a fence
 *   ```
 *   inside
 *   ```
 * ```c
 * an unclosed fence
 */
service FenceDocs {
  /**
   * ```
   * fn main() {}
   * ```
   */
  void call()
}

/**
 * Backslashes: C:\path\to, \n, \[, \`, \<b\>, a trailing one\
 * Code-like: fn main() { println!("hi"); } x = a[0] * b[1]; foo<T>(); Map<String, List<Int>>
 * a && b || !c, @param foo the foo, {@link Foo}, {@code x<y}, `arr[0]`, ``a ` b``, `unclosed
 * [brackets], [link](http://x.org), ![img](x.png), [ref][id], <angle>, a<b, <T>, <https://x.org>
 * *bold*, _under_, __init__, ~~strike~~, ``` ` ```, ```a```
 * URLs: "https://quoted.org", (https://x.org/a_(b)), url=https://eq.org/a_b, www.example.com
 *	a tab-indented line
 * tabs	inside	text
 *
 *     four spaces
 *         eight spaces
 */
typedef i32 TextDocs

/** \ */
const i32 BACKSLASH_ONLY = 1

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
