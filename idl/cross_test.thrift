/**
 * The services of Apache Thrift's cross-language test, as our own IDL.
 *
 * Apache's cross-test runner pairs a test server and a test client of two languages and
 * judges them by sockets and exit codes; see `../shared/conformance/CROSSTEST.md` and
 * `tests/crosstest/`. Only the wire contract has to match Apache's `ThriftTest.thrift`
 * (0.17.0): service and method names, field ids and types. Everything the test services do
 * not use is left out.
 */
namespace rs cross_test
namespace py cross_test

/** Enum values the clients echo through `testEnum`; note the gaps. */
enum Numberz {
  ONE = 1,
  TWO = 2,
  THREE = 3,
  FIVE = 5,
  SIX = 6,
  EIGHT = 8,
}

/** A typedef on the wire is its target type. */
typedef i64 UserId

/** The struct most methods carry. The field ids have gaps on purpose. */
struct Xtruct {
  1: string string_thing,
  4: i8 byte_thing,
  9: i32 i32_thing,
  11: i64 i64_thing,
}

/** A struct nested in a struct. */
struct Xtruct2 {
  1: i8 byte_thing,
  2: Xtruct struct_thing,
  3: i32 i32_thing,
}

/** Containers of enums, typedefs and structs, for `testInsanity`. */
struct Insanity {
  1: map<Numberz, UserId> userMap,
  2: list<Xtruct> xtructs,
}

/** The first declared exception. */
exception Xception {
  1: i32 errorCode,
  2: string message,
}

/** The second declared exception, carrying a struct. */
exception Xception2 {
  1: i32 errorCode,
  2: Xtruct struct_thing,
}

/** The service every cross-test server hosts and every client calls. */
service ThriftTest {
  /** Returns nothing (a void reply, not a oneway call). */
  void testVoid(),
  /** Echoes the string. */
  string testString(1: string thing),
  /** Echoes the bool. */
  bool testBool(1: bool thing),
  /** Echoes the byte. */
  i8 testByte(1: i8 thing),
  /** Echoes the i32. */
  i32 testI32(1: i32 thing),
  /** Echoes the i64. */
  i64 testI64(1: i64 thing),
  /** Echoes the double. */
  double testDouble(1: double thing),
  /** Echoes the bytes. */
  binary testBinary(1: binary thing),
  /** Echoes the struct. */
  Xtruct testStruct(1: Xtruct thing),
  /** Echoes the nested struct. */
  Xtruct2 testNest(1: Xtruct2 thing),
  /** Echoes the map. */
  map<i32, i32> testMap(1: map<i32, i32> thing),
  /** Echoes the map. */
  map<string, string> testStringMap(1: map<string, string> thing),
  /** Echoes the set. */
  set<i32> testSet(1: set<i32> thing),
  /** Echoes the list. */
  list<i32> testList(1: list<i32> thing),
  /** Echoes the enum value. */
  Numberz testEnum(1: Numberz thing),
  /** Echoes the typedef'd value. */
  UserId testTypedef(1: UserId thing),
  /** Ignores `hello`; returns `{-4: {-4: -4, ..., -1: -1}, 4: {1: 1, ..., 4: 4}}`. */
  map<i32, map<i32, i32>> testMapMap(1: i32 hello),
  /** Returns `{1: {TWO: argument, THREE: argument}, 2: {SIX: Insanity{}}}`. */
  map<UserId, map<Numberz, Insanity>> testInsanity(1: Insanity argument),
  /** Returns `Xtruct{"Hello2", arg0, arg1, arg2}`; the other arguments are ignored. */
  Xtruct testMulti(
    1: i8 arg0,
    2: i32 arg1,
    3: i64 arg2,
    4: map<i16, string> arg3,
    5: Numberz arg4,
    6: UserId arg5,
  ),
  /**
   * `"Xception"` throws `Xception{1001, arg}`; `"TException"` fails with an undeclared
   * error (the client gets a `TApplicationException`); anything else returns normally.
   */
  void testException(1: string arg) throws (1: Xception err1),
  /**
   * `arg0 == "Xception"` throws `Xception{1001, "This is an Xception"}`; `"Xception2"` throws
   * `Xception2{2002, Xtruct{"This is an Xception2"}}`; otherwise returns `Xtruct{arg1}`.
   */
  Xtruct testMultiException(1: string arg0, 2: string arg1)
    throws (1: Xception err1, 2: Xception2 err2),
  /** Never answered. */
  oneway void testOneway(1: i32 secondsToSleep),
}

/** The second service of the multiplexed modes. */
service SecondService {
  /** Returns `testString("` + thing + `")`. */
  string secondtestString(1: string thing),
}
