// A cross-test client on Apache Thrift's C++ library (Debian's libthrift 0.17), our own peer
// for the interop suite. It calls every ThriftTest method (and SecondService in the multi*
// modes) with the values our Python client (py/client.py) sends, compares every reply exactly,
// checks every reply's method name and sequence id, and exits with the bit mask of
// shared/conformance/CROSSTEST.md: 1 base types, 2 structs, 4 containers, 8 exceptions,
// 64 could not prepare or connect, 128 a call timed out (alone, or with 64).

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <thrift/TApplicationException.h>
#include <thrift/TToString.h>
#include <thrift/protocol/TMultiplexedProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include "SecondService.h"
#include "ThriftTest.h"
#include "checked_protocol.h"
#include "options.h"
#include "stack.h"

using apache::thrift::TApplicationException;
using apache::thrift::protocol::TMultiplexedProtocol;
using apache::thrift::protocol::TProtocol;
using apache::thrift::transport::TSocket;
using apache::thrift::transport::TSSLSocketFactory;
using apache::thrift::transport::TTransport;
using apache::thrift::transport::TTransportException;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBase = 1;
constexpr int kStructs = 2;
constexpr int kContainers = 4;
constexpr int kExceptions = 8;
constexpr int kUnknown = 64;
constexpr int kTimeout = 128;

// A oneway call only writes; it must come back at once (Apache's C++ client allows 200 ms,
// its Python client 3 s). Ours, like our Python client, allows this much.
constexpr double kOnewayLimit = 0.5;

// Failure lines printed at most.
constexpr int kShownFailures = 25;

constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// Our own multi-script text (the same code points as py/client.py's MULTI_SCRIPT): Latin with
// diacritics, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic/Persian (RTL), Indic
// scripts, Thai, Tibetan, CJK, Hangul, Ethiopic, Cherokee, Mongolian, combining marks (escaped
// so they stay visible here), bidi controls, emoji sequences and other characters beyond the BMP.
const std::string kMultiScript =
    "Cross-language check: every code point below must come back unchanged.\n"
    "Français : où êtes-vous, cœur naïf ? Déjà l'été à Île-d'Yeu.\n"
    "Deutsch: Größenmaßstäbe für Fußgängerübergänge, Äpfel und Öl.\n"
    "Polski: Źródło łączy się z każdą ścieżką. Čeština: Příliš žluťoučký.\n"
    "Ελληνικά: Κάθε ψηφίο επιστρέφει αμετάβλητο.\n"
    "Русский: Каждый байт возвращается без изменений. Українська: Ґанок, їжак, єнот.\n"
    "Հայերեն: Բարեւ աշխարհ. ქართული: გამარჯობა მსოფლიო.\n"
    "עברית: כל בית חוזר בדיוק כפי שנשלח.\n"
    "العربية: كل بايت يعود كما أ\u064fرسل تمام\u064bا. فارسی: سلام دنیا، همه چیز برمی\u200cگردد.\n"
    "ह\u093fन\u094dद\u0940: हर ब\u093eइट व\u0948स\u0947 ह\u0940 ल\u094cटत\u093e ह\u0948। ব\u09be\u0982ল\u09be: ওহ\u09c7 ব\u09bfশ\u09cdব। தம\u0bbfழ\u0bcd: வணக\u0bcdகம\u0bcd உலகம\u0bcd.\n"
    "ไทย: สว\u0e31สด\u0e35ชาวโลก ท\u0e38กไบต\u0e4cต\u0e49องกล\u0e31บมาเหม\u0e37อนเด\u0e34ม བ\u0f7cད་ཡ\u0f72ག: བཀ\u0fb2་ཤ\u0f72ས་བད\u0f7a་ལ\u0f7aགས།\n"
    "中文：每个字节都必须原样返回。日本語：こんにちは、カタカナとひらがな。\n"
    "한국어: 모든 바이트는 그대로 돌아와야 합니다. ግዕዝ: ሰላም ዓለም. ᏣᎳᎩ: ᎣᏏᏲ.\n"
    "Монгол бичиг: ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ\n"
    "Combining: e\u0301 a\u0308\u0323 n\u0303 o\u031b\u0300 Z\u0336\u0327 q\u0307\u0323 각 क\u094dष\n"
    "Bidi: \u200fabc\u200e \u202edesrever\u202c mixed: abc אבג 123 دهو xyz\n"
    "Beyond the BMP: 𝕿𝖍𝖗 𐌰𐌱𐌲 🀄 𓀀 😀 👩\u200d💻 👍🏽 🏳\ufe0f\u200d🌈\n"
    "Symbols: ∀x∈ℝ: x²≥0, ∑ₖ 1/k² = π²/6, ≠ ≤ ≥ € £ ¥ ‰ † ‡ • … \ufeff(BOM) \u00a0(NBSP)";

const std::string kSpecialChars =
    "quote \" backslash \\ slash / backspace \b tab \t newline \n return \r formfeed \f braces { } brackets [ ] colon : comma , json {\"key\":\"value\",\"n\":[1,2]} not-an-escape \\u0041 \\n";

// n arbitrary bytes (not UTF-8): the linear congruential sequence py/client.py uses.
std::string pattern_bytes(std::size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    out[i] = static_cast<char>((x >> 16) & 0xff);
  }
  return out;
}

std::string repeat(const std::string& s, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += s;
  return out;
}

// --- showing values in failure lines ---------------------------------------------------------

std::string show(const std::string& s) {
  const bool printable = std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (printable && s.size() <= 60) return "\"" + s + "\"";
  static const char* hex = "0123456789abcdef";
  std::string head;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.size(), 16); ++i) {
    head += hex[static_cast<unsigned char>(s[i]) >> 4];
    head += hex[static_cast<unsigned char>(s[i]) & 15];
  }
  return "<" + std::to_string(s.size()) + " bytes " + head + (s.size() > 16 ? "...>" : ">");
}
std::string show(int8_t v) { return std::to_string(v); }
std::string show(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}
template <typename T>
std::string show(const T& v) {
  std::string text = apache::thrift::to_string(v);
  if (text.size() > 200) text = text.substr(0, 200) + "...(" + std::to_string(text.size()) + ")";
  return text;
}

// --- exact comparison ------------------------------------------------------------------------

template <typename T>
bool same(const T& got, const T& want) {
  return got == want;
}
// Doubles bit for bit: -0.0 is not 0.0, and every digit must survive (JSON carries text).
bool same(const double& got, const double& want) {
  return std::memcmp(&got, &want, sizeof got) == 0;
}

// Nothing to compare (a void method).
struct Unit {
  bool operator==(const Unit&) const { return true; }
};
std::string show(const Unit&) { return "(void)"; }

bool unset_or_default(const Xtruct& x, const std::string& string_thing) {
  return x.string_thing == string_thing && x.byte_thing == 0 && x.i32_thing == 0 &&
         x.i64_thing == 0;
}

// The run cannot go on (no connection, or out of time).
struct Abort {};

// --- one connection --------------------------------------------------------------------------

struct Connection {
  std::shared_ptr<TSocket> socket;
  std::shared_ptr<TTransport> transport;
  std::shared_ptr<ThriftTestClient> test;
  std::shared_ptr<SecondServiceClient> second;
};

class Suite {
 public:
  Suite(const crosstest::Options& o, std::shared_ptr<TSSLSocketFactory> tls)
      : o_(o), tls_(std::move(tls)), multi_(o.multiplexed()), started_(Clock::now()) {}

  // Runs the suite `--testloops` times on one connection (reconnecting only after a
  // failure) and returns the exit status.
  int run() {
    try {
      connect();
    } catch (const std::exception& e) {
      say(std::string("cannot connect: ") + e.what());
      unknown_ = true;
      return status();
    }
    const auto tests = this->tests();
    for (int loop = 0; loop < o_.loops; ++loop) {
      for (std::size_t i = 0; i < tests.size(); ++i) {
        try {
          tests[i].second();
        } catch (const Abort&) {
          // Whatever did not run counts as failed.
          for (std::size_t j = i; j < tests.size(); ++j) failed_ |= tests[j].first;
          drop();
          return status();
        }
      }
    }
    drop();
    return status();
  }

 private:
  using Test = std::pair<int, std::function<void()>>;
  enum class Outcome { Ok, Threw, Err };

  std::vector<Test> tests() {
    std::vector<Test> all = {
        {kBase, [this] { t_void(); }},          {kBase, [this] { t_string(); }},
        {kBase, [this] { t_bool(); }},          {kBase, [this] { t_byte(); }},
        {kBase, [this] { t_i32(); }},           {kBase, [this] { t_i64(); }},
        {kBase, [this] { t_double(); }},        {kBase, [this] { t_binary(); }},
        {kStructs, [this] { t_struct(); }},     {kStructs, [this] { t_nest(); }},
        {kContainers, [this] { t_map(); }},     {kContainers, [this] { t_string_map(); }},
        {kContainers, [this] { t_set(); }},     {kContainers, [this] { t_list(); }},
        {kStructs, [this] { t_enum(); }},       {kStructs, [this] { t_typedef(); }},
        {kContainers, [this] { t_map_map(); }}, {kStructs, [this] { t_insanity(); }},
        {kStructs, [this] { t_multi(); }},      {kExceptions, [this] { t_exception(); }},
        {kExceptions, [this] { t_multi_exception(); }},
        {kBase, [this] { t_oneway(); }},
    };
    if (multi_) all.push_back({kExceptions, [this] { t_second(); }});
    return all;
  }

  int status() const {
    const int unknown = unknown_ ? kUnknown : 0;
    // 128 plus a category bit would land in 129..159, which reads as "killed by a signal".
    if (timed_out_) return kTimeout | unknown;
    return failed_ | unknown;
  }

  // -- connection -----------------------------------------------------------------------------

  void connect() {
    Connection c;
    if (tls_) {
      c.socket = tls_->createSocket(o_.host, o_.port);
    } else if (!o_.domain_socket.empty()) {
      c.socket = std::make_shared<TSocket>(
          o_.abstract_namespace ? std::string("\0", 1) + o_.domain_socket : o_.domain_socket);
    } else {
      c.socket = std::make_shared<TSocket>(o_.host, o_.port);
    }
    c.socket->setConnTimeout(static_cast<int>(o_.timeout * 1000));
    c.transport = crosstest::client_transport(o_, c.socket);
    std::shared_ptr<TProtocol> base = crosstest::client_protocol(o_, c.transport);
    std::shared_ptr<TProtocol> test = base;
    std::shared_ptr<TProtocol> second = base;
    if (multi_) {
      test = std::make_shared<TMultiplexedProtocol>(base, "ThriftTest");
      second = std::make_shared<TMultiplexedProtocol>(base, "SecondService");
    }
    std::function<void()> set_headers;
    if (auto header = std::dynamic_pointer_cast<apache::thrift::protocol::THeaderProtocol>(base)) {
      if (!o_.headers.empty()) {
        set_headers = [header, this] {
          for (const auto& [key, value] : o_.headers) header->setHeader(key, value);
        };
      }
    }
    auto ids = std::make_shared<crosstest::SeqIds>();
    c.test = std::make_shared<ThriftTestClient>(
        std::make_shared<crosstest::CheckedProtocol>(test, ids, set_headers));
    c.second = std::make_shared<SecondServiceClient>(
        std::make_shared<crosstest::CheckedProtocol>(second, ids, set_headers));
    c.transport->open();
    conn_ = std::make_unique<Connection>(std::move(c));
  }

  void drop() {
    if (!conn_) return;
    try {
      conn_->transport->close();
    } catch (const std::exception&) {
    }
    conn_.reset();
  }

  void ensure_connection() {
    if (conn_) return;
    try {
      connect();
    } catch (const std::exception& e) {
      unknown_ = true;
      say(std::string("cannot reconnect: ") + e.what());
      throw Abort();
    }
  }

  // -- reporting ------------------------------------------------------------------------------

  void say(const std::string& text) const { std::cerr << "client: " << text << std::endl; }

  void fail(int bit, const std::string& method, const std::string& sent, const std::string& got) {
    failed_ |= bit;
    // A dead server or a refused handshake fails every call alike; the first lines say it.
    if (++failures_ <= kShownFailures) say("FAIL " + method + "(" + sent + "): got " + got);
    if (failures_ == kShownFailures) say("(further failures are not shown)");
  }

  // -- one call -------------------------------------------------------------------------------

  // Runs `fn` on the connection. Ok: it returned; Threw: a declared exception or a
  // TApplicationException, kept in `thrown_`; Err: a failure already reported (the
  // connection is dropped, so the next call reconnects and one failure masks nothing).
  Outcome call(int bit, const std::string& method, const std::string& sent,
               const std::function<void(Connection&)>& fn) {
    double remaining = o_.timeout;
    if (o_.time_limit > 0) {
      const double used = std::chrono::duration<double>(Clock::now() - started_).count();
      if (used >= o_.time_limit) {
        timed_out_ = true;
        say("time limit reached, stopping");
        throw Abort();
      }
      remaining = std::min(remaining, o_.time_limit - used);
    }
    ensure_connection();
    const int ms = std::max(50, static_cast<int>(remaining * 1000));
    conn_->socket->setRecvTimeout(ms);
    conn_->socket->setSendTimeout(ms);
    try {
      fn(*conn_);
      return Outcome::Ok;
    } catch (const Xception&) {
      thrown_ = std::current_exception();
    } catch (const Xception2&) {
      thrown_ = std::current_exception();
    } catch (const TApplicationException&) {
      thrown_ = std::current_exception();
    } catch (const crosstest::HeaderMismatch& e) {
      fail(bit, method, sent, e.what());
      drop();
      return Outcome::Err;
    } catch (const TTransportException& e) {
      if (e.getType() == TTransportException::TIMED_OUT) {
        timed_out_ = true;
        fail(bit, method, sent, std::string("TIMEOUT (") + e.what() + ")");
      } else {
        fail(bit, method, sent, std::string("transport error: ") + e.what());
      }
      drop();
      return Outcome::Err;
    } catch (const std::exception& e) {
      fail(bit, method, sent, std::string("error: ") + e.what());
      drop();
      return Outcome::Err;
    }
    return Outcome::Threw;
  }

  // A call whose result must equal `want` (or pass `check`).
  template <typename T>
  void expect(int bit, const std::string& method, const std::string& sent,
              const std::function<void(Connection&, T&)>& fn, const T& want,
              const std::function<bool(const T&)>& check = nullptr) {
    T got{};
    const Outcome outcome = call(bit, method, sent, [&](Connection& c) { fn(c, got); });
    if (outcome == Outcome::Err) return;
    if (outcome == Outcome::Threw) {
      fail(bit, method, sent, "exception " + describe_thrown());
      return;
    }
    if (!(check ? check(got) : same(got, want))) fail(bit, method, sent, show(got));
  }

  // A call that must throw: `check` gets the exception (rethrown for it to catch).
  void expect_exception(int bit, const std::string& method, const std::string& sent,
                        const std::function<void(Connection&)>& fn,
                        const std::function<bool()>& check, const std::string& what) {
    const Outcome outcome = call(bit, method, sent, fn);
    if (outcome == Outcome::Err) return;
    if (outcome == Outcome::Ok) {
      fail(bit, method, sent, "a normal reply, expected " + what);
      return;
    }
    bool ok = false;
    try {
      ok = check();
    } catch (...) {
      ok = false;
    }
    if (!ok) fail(bit, method, sent, describe_thrown() + ", expected " + what);
  }

  std::string describe_thrown() const {
    try {
      std::rethrow_exception(thrown_);
    } catch (const Xception& e) {
      return "Xception(" + std::to_string(e.errorCode) + ", " + show(e.message) + ")";
    } catch (const Xception2& e) {
      return "Xception2(" + std::to_string(e.errorCode) + ", " + show(e.struct_thing) + ")";
    } catch (const TApplicationException& e) {
      return "TApplicationException(" + std::to_string(e.getType()) + ", " + e.what() + ")";
    } catch (...) {
      return "an exception";
    }
  }

  // -- the tests ------------------------------------------------------------------------------

  void t_void() {
    expect<Unit>(kBase, "testVoid", "", [](Connection& c, Unit&) { c.test->testVoid(); }, Unit());
  }

  void t_string() {
    for (const std::string& s : {std::string("Test"), std::string(), kMultiScript,
                                 repeat(kMultiScript, 8), kSpecialChars, std::string(70000, 'a')}) {
      expect<std::string>(
          kBase, "testString", show(s), [&](Connection& c, std::string& out) {
            c.test->testString(out, s);
          },
          s);
    }
  }

  void t_bool() {
    for (bool b : {true, false}) {
      expect<bool>(kBase, "testBool", b ? "true" : "false",
                   [&](Connection& c, bool& out) { out = c.test->testBool(b); }, b);
    }
  }

  void t_byte() {
    for (int v : {0, -1, 1, 42, -42, 127, -128, 63, -127}) {
      const auto b = static_cast<int8_t>(v);
      expect<int8_t>(kBase, "testByte", std::to_string(v),
                     [&](Connection& c, int8_t& out) { out = c.test->testByte(b); }, b);
    }
  }

  void t_i32() {
    for (int32_t v : {0, -1, 1, 190000013, -190000013, kI32Min, kI32Max, 63, 64, -64, -65, 8191,
                      8192, 65535}) {
      expect<int32_t>(kBase, "testI32", std::to_string(v),
                      [&](Connection& c, int32_t& out) { out = c.test->testI32(v); }, v);
    }
  }

  void t_i64() {
    const int64_t two32 = int64_t(1) << 32;
    for (int64_t v : {int64_t(0), int64_t(-1), int64_t(1), int64_t(7000000000000000123),
                      int64_t(-7000000000000000123), two32, -two32, two32 + 1, -(two32 + 1),
                      kI64Min, kI64Max, int64_t(-34359738368), (int64_t(1) << 53) + 1}) {
      expect<int64_t>(kBase, "testI64", std::to_string(v),
                      [&](Connection& c, int64_t& out) { out = c.test->testI64(v); }, v);
    }
  }

  void t_double() {
    const double two32 = 4294967296.0;
    const double two53m1 = 9007199254740991.0;
    for (double d : {0.0, -1.0, -5.2098523, 1.0 / 3.0, 0.1, -0.000341012439638598279, two32,
                     -two32, two32 + 1, -(two32 + 1), two53m1, -two53m1, 1e307, 1e-292, -0.0,
                     1.7976931348623157e308, 2.2250738585072014e-308, 5e-324}) {
      expect<double>(kBase, "testDouble", show(d),
                     [&](Connection& c, double& out) { out = c.test->testDouble(d); }, d);
    }
  }

  void t_binary() {
    std::string up(256, '\0');
    std::string down(256, '\0');
    for (int i = 0; i < 256; ++i) {
      up[i] = static_cast<char>(i);
      down[i] = static_cast<char>(255 - i);
    }
    std::vector<std::string> values = {up, down};
    for (std::size_t n : {0, 1, 2, 3}) values.push_back(pattern_bytes(n, n));
    for (int k = 2; k < 18; ++k) values.push_back(pattern_bytes(std::size_t(1) << k, 1u << k));
    for (const std::string& b : values) {
      expect<std::string>(
          kBase, "testBinary", show(b),
          [&](Connection& c, std::string& out) { c.test->testBinary(out, b); }, b);
    }
  }

  static Xtruct xtruct(const std::string& s, int8_t b, int32_t i, int64_t l) {
    Xtruct x;
    x.__set_string_thing(s);
    x.__set_byte_thing(b);
    x.__set_i32_thing(i);
    x.__set_i64_thing(l);
    return x;
  }

  void t_struct() {
    for (const Xtruct& x : {xtruct("Zero", 1, -3, -5), xtruct("", -128, kI32Max, kI64Min),
                            xtruct("\u00fcn\u00ef \u2603 \U0001f600", 127, kI32Min, kI64Max)}) {
      expect<Xtruct>(kStructs, "testStruct", show(x),
                     [&](Connection& c, Xtruct& out) { c.test->testStruct(out, x); }, x);
    }
  }

  void t_nest() {
    auto nest = [](int8_t b, const Xtruct& x, int32_t i) {
      Xtruct2 n;
      n.__set_byte_thing(b);
      n.__set_struct_thing(x);
      n.__set_i32_thing(i);
      return n;
    };
    for (const Xtruct2& n : {nest(1, xtruct("Zero", 1, -3, -5), 5),
                             nest(-1, xtruct("nested", -128, kI32Min, kI64Max), kI32Max)}) {
      expect<Xtruct2>(kStructs, "testNest", show(n),
                      [&](Connection& c, Xtruct2& out) { c.test->testNest(out, n); }, n);
    }
  }

  void t_map() {
    using M = std::map<int32_t, int32_t>;
    M first;
    for (int32_t i = 0; i < 5; ++i) first[i] = i - 10;
    for (const M& m : {first, M{{-3, -300}, {-2, 0}, {0, -1}, {7, kI32Max}, {kI32Min, 1}}, M{}}) {
      expect<M>(kContainers, "testMap", show(m),
                [&](Connection& c, M& out) { c.test->testMap(out, m); }, m);
    }
  }

  void t_string_map() {
    using M = std::map<std::string, std::string>;
    for (const M& m : {M{{"a", "2"}, {"b", "blah"}, {"some", "thing"}},
                       M{{"", "empty key"},
                         {"key \"quoted\"", ""},
                         {"\u043a\u043b\u044e\u0447", "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435"},
                         {"\U0001f511", "emoji key"},
                         {"tab\tkey", "new\nline"}},
                       M{}}) {
      expect<M>(kContainers, "testStringMap", show(m),
                [&](Connection& c, M& out) { c.test->testStringMap(out, m); }, m);
    }
  }

  void t_set() {
    using S = std::set<int32_t>;
    for (const S& s : {S{-2, -1, 0, 1, 2}, S{190000013, -190000013, kI32Min, kI32Max}, S{}}) {
      expect<S>(kContainers, "testSet", show(s),
                [&](Connection& c, S& out) { c.test->testSet(out, s); }, s);
    }
  }

  void t_list() {
    using L = std::vector<int32_t>;
    L range;
    for (int32_t i = -20; i <= 20; ++i) range.push_back(i);
    for (const L& l : {L{-2, -1, 0, 1, 2, 3, 4}, L{}, L{7, 7, -7, 0, 7}, range}) {
      expect<L>(kContainers, "testList", show(l),
                [&](Connection& c, L& out) { c.test->testList(out, l); }, l);
    }
  }

  void t_enum() {
    for (Numberz::type e : {Numberz::ONE, Numberz::TWO, Numberz::THREE, Numberz::FIVE,
                            Numberz::SIX, Numberz::EIGHT}) {
      expect<Numberz::type>(
          kStructs, "testEnum", std::to_string(e),
          [&](Connection& c, Numberz::type& out) { out = c.test->testEnum(e); }, e);
    }
  }

  void t_typedef() {
    for (UserId v : {UserId(309858235082523), UserId(0xffffffffffffff), UserId(-1), kI64Min}) {
      expect<UserId>(kStructs, "testTypedef", std::to_string(v),
                     [&](Connection& c, UserId& out) { out = c.test->testTypedef(v); }, v);
    }
  }

  void t_map_map() {
    using M = std::map<int32_t, std::map<int32_t, int32_t>>;
    const M want = {{-4, {{-4, -4}, {-3, -3}, {-2, -2}, {-1, -1}}},
                    {4, {{1, 1}, {2, 2}, {3, 3}, {4, 4}}}};
    for (int32_t hello : {1, -7}) {
      expect<M>(kContainers, "testMapMap", std::to_string(hello),
                [&](Connection& c, M& out) { c.test->testMapMap(out, hello); }, want);
    }
  }

  void t_insanity() {
    Insanity arg;
    arg.__set_userMap({{Numberz::FIVE, 5}, {Numberz::EIGHT, 8}});
    arg.__set_xtructs({xtruct("Goodbye4", 4, 4, 4), xtruct("Hello2", 2, 2, 2)});
    using M = std::map<UserId, std::map<Numberz::type, Insanity>>;
    auto check = [&](const M& got) {
      if (got.size() != 2 || !got.count(1) || !got.count(2)) return false;
      const auto& one = got.at(1);
      if (one.size() != 2 || !one.count(Numberz::TWO) || !one.count(Numberz::THREE)) return false;
      if (!(one.at(Numberz::TWO) == arg) || !(one.at(Numberz::THREE) == arg)) return false;
      const auto& two = got.at(2);
      if (two.size() != 1 || !two.count(Numberz::SIX)) return false;
      const Insanity& empty = two.at(Numberz::SIX);
      return empty.userMap.empty() && empty.xtructs.empty();
    };
    if (o_.noinsane) return;
    expect<M>(
        kStructs, "testInsanity", show(arg),
        [&](Connection& c, M& out) { c.test->testInsanity(out, arg); }, M(), check);
  }

  void t_multi() {
    struct Case {
      int8_t a0;
      int32_t a1;
      int64_t a2;
      std::map<int16_t, std::string> a3;
      Numberz::type a4;
      UserId a5;
    };
    const std::vector<Case> cases = {
        {9, 5, 5000000000, {{1, "one"}, {2, "two"}}, Numberz::FIVE, 12345},
        {-128, kI32Min, kI64Min, {}, Numberz::ONE, 0},
        {127, kI32Max, kI64Max, {{-1, ""}, {32767, "max"}}, Numberz::EIGHT, -1},
    };
    for (const Case& a : cases) {
      const std::string sent = std::to_string(a.a0) + ", " + std::to_string(a.a1) + ", " +
                               std::to_string(a.a2) + ", " + show(a.a3) + ", " +
                               std::to_string(a.a4) + ", " + std::to_string(a.a5);
      expect<Xtruct>(
          kStructs, "testMulti", sent,
          [&](Connection& c, Xtruct& out) {
            c.test->testMulti(out, a.a0, a.a1, a.a2, a.a3, a.a4, a.a5);
          },
          xtruct("Hello2", a.a0, a.a1, a.a2));
    }
  }

  void t_exception() {
    expect_exception(
        kExceptions, "testException", "\"Xception\"",
        [](Connection& c) { c.test->testException("Xception"); },
        [this] {
          try {
            std::rethrow_exception(thrown_);
          } catch (const Xception& e) {
            return e.errorCode == 1001 && e.message == "Xception";
          }
          return false;
        },
        "Xception(1001, \"Xception\")");
    // An undeclared error: any TApplicationException will do.
    expect_exception(
        kExceptions, "testException", "\"TException\"",
        [](Connection& c) { c.test->testException("TException"); },
        [this] {
          try {
            std::rethrow_exception(thrown_);
          } catch (const TApplicationException&) {
            return true;
          }
          return false;
        },
        "a TApplicationException");
    // The connection must still serve normal calls after both.
    for (const char* arg : {"success", "Safe"}) {
      expect<Unit>(
          kExceptions, "testException", show(std::string(arg)),
          [&](Connection& c, Unit&) { c.test->testException(arg); }, Unit());
    }
  }

  void t_multi_exception() {
    expect_exception(
        kExceptions, "testMultiException", "\"Xception\", \"test 1\"",
        [](Connection& c) {
          Xtruct out;
          c.test->testMultiException(out, "Xception", "test 1");
        },
        [this] {
          try {
            std::rethrow_exception(thrown_);
          } catch (const Xception& e) {
            return e.errorCode == 1001 && e.message == "This is an Xception";
          }
          return false;
        },
        "Xception(1001, \"This is an Xception\")");
    expect_exception(
        kExceptions, "testMultiException", "\"Xception2\", \"test 2\"",
        [](Connection& c) {
          Xtruct out;
          c.test->testMultiException(out, "Xception2", "test 2");
        },
        [this] {
          try {
            std::rethrow_exception(thrown_);
          } catch (const Xception2& e) {
            return e.errorCode == 2002 && unset_or_default(e.struct_thing, "This is an Xception2");
          }
          return false;
        },
        "Xception2(2002, Xtruct(\"This is an Xception2\"))");
    for (const auto& a : std::vector<std::pair<std::string, std::string>>{
             {"success", "test 3"}, {"Safe", "foobar"}, {"ignore", ""}}) {
      expect<Xtruct>(
          kExceptions, "testMultiException", show(a.first) + ", " + show(a.second),
          [&](Connection& c, Xtruct& out) { c.test->testMultiException(out, a.first, a.second); },
          Xtruct(), [&](const Xtruct& got) { return unset_or_default(got, a.second); });
    }
  }

  void t_oneway() {
    // A oneway call must return at once, and the next normal call on the same connection
    // must get its own reply (not a stray void reply).
    const std::vector<std::pair<int32_t, int32_t>> cases = {{1, -1}, {0, 123456}, {0, kI32Min}};
    for (const auto& [secs, follow] : cases) {
      const auto start = Clock::now();
      const Outcome outcome = call(kBase, "testOneway", std::to_string(secs),
                                   [&](Connection& c) { c.test->testOneway(secs); });
      const double took = std::chrono::duration<double>(Clock::now() - start).count();
      if (outcome == Outcome::Ok && took > kOnewayLimit) {
        fail(kBase, "testOneway", std::to_string(secs), "a return after " + show(took) + " s");
      } else if (outcome == Outcome::Threw) {
        fail(kBase, "testOneway", std::to_string(secs), "exception " + describe_thrown());
      }
      expect<int32_t>(
          kBase, "testI32 after testOneway", std::to_string(follow),
          [&](Connection& c, int32_t& out) { out = c.test->testI32(follow); }, follow);
    }
  }

  void t_second() {
    for (const std::string& s :
         {std::string("foobar"), std::string(), std::string("\u00fcn\u00ef \U0001f600")}) {
      expect<std::string>(
          kExceptions, "SecondService.secondtestString", show(s),
          [&](Connection& c, std::string& out) { c.second->secondtestString(out, s); },
          "testString(\"" + s + "\")");
    }
  }

  const crosstest::Options& o_;
  std::shared_ptr<TSSLSocketFactory> tls_;
  bool multi_;
  Clock::time_point started_;
  std::unique_ptr<Connection> conn_;
  std::exception_ptr thrown_;
  int failed_ = 0;
  int failures_ = 0;
  bool unknown_ = false;
  bool timed_out_ = false;
};

bool readable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Apache's peers: trust keys/CA.pem, verify the server's certificate and name, and present
// keys/client.crt (when it is there: neither official server asks for one).
std::shared_ptr<TSSLSocketFactory> tls_factory(const crosstest::Options& o) {
  auto factory = std::make_shared<TSSLSocketFactory>();
  factory->ciphers("ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
  factory->loadTrustedCertificates(o.key_file("CA.pem").c_str());
  if (readable(o.key_file("client.crt")) && readable(o.key_file("client.key"))) {
    factory->loadCertificate(o.key_file("client.crt").c_str());
    factory->loadPrivateKey(o.key_file("client.key").c_str());
  }
  factory->authenticate(true);
  return factory;
}

}  // namespace

// `--bench=N`: N calls of testString("hello world") on one connection after 100 to warm up,
// through the library's own client and protocol (no sequence-id checking wrapper), then one
// line as our test_client prints it: "N calls in T: X µs per call".
int bench(const crosstest::Options& o, const std::shared_ptr<TSSLSocketFactory>& tls) {
  try {
    std::shared_ptr<TSocket> socket;
    if (tls) {
      socket = tls->createSocket(o.host, o.port);
    } else if (!o.domain_socket.empty()) {
      socket = std::make_shared<TSocket>(o.domain_socket);
    } else {
      socket = std::make_shared<TSocket>(o.host, o.port);
    }
    auto transport = crosstest::client_transport(o, socket);
    std::shared_ptr<TProtocol> protocol = crosstest::client_protocol(o, transport);
    if (o.multiplexed()) {
      protocol = std::make_shared<TMultiplexedProtocol>(protocol, "ThriftTest");
    }
    ThriftTestClient client(protocol);
    transport->open();
    const std::string hello = "hello world";
    std::string got;
    auto start = Clock::now();
    for (int i = 0; i < 100 + o.bench; ++i) {
      if (i == 100) start = Clock::now();
      client.testString(got, hello);
      if (got != hello) {
        std::cerr << "FAIL testString: got " << got << std::endl;
        return kBase;
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << o.bench << " calls in " << seconds * 1e3 << "ms: " << seconds * 1e6 / o.bench
              << "µs per call" << std::endl;
    transport->close();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "FAIL testString: " << e.what() << std::endl;
    return kBase;
  }
}

int main(int argc, char** argv) {
  crosstest::Options o;
  try {
    o = crosstest::parse_options(argc, argv, false);
  } catch (const crosstest::UsageError& e) {
    std::cerr << "test_client: " << e.what() << "\n" << crosstest::usage(false);
    return kUnknown;
  }
  if (o.help) {
    std::cout << crosstest::usage(false);
    return 0;
  }
  // A server that closes mid-write gives an error, not a dead client.
  std::signal(SIGPIPE, SIG_IGN);
  if (!o.verbose) apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});

  // The factory must outlive every socket it makes (THRIFT-4164), hence out here.
  std::shared_ptr<TSSLSocketFactory> tls;
  if (o.ssl) {
    try {
      tls = tls_factory(o);
    } catch (const std::exception& e) {
      std::cerr << "client: cannot load the TLS keys from " << o.keys << ": " << e.what()
                << std::endl;
      return kUnknown;
    }
  }
  if (o.bench > 0) return bench(o, tls);
  const auto started = Clock::now();
  const int code = Suite(o, tls).run();
  std::ostringstream took;
  took.precision(2);
  took << std::fixed << std::chrono::duration<double>(Clock::now() - started).count();
  std::cerr << "client: " << (code == 0 ? "passed" : "FAILED") << " in " << took.str()
            << " s, exit status " << code << std::endl;
  return code;
}
