enum Level { LOW, HIGH = 5 }

struct Pair {
  1: string key
  2: optional i32 value
  3: list<Level> levels
}

const i8 SMALL = -128
const i16 MEDIUM = +32767
const i32 HEX = 0x7fffffff
const i32 NEG_HEX = -0x10
const i64 BIG = 9223372036854775807
const double PI = 3.14159
const double EXP = 1e-3
const double FROM_INT = 7
const bool YES = true
const bool NO = 0
const string ESCAPES = "tab\there \"quoted\" back\\slash"
const string SINGLE = 'it\'s'
const binary BYTES = "raw"
const uuid ID = "00112233-4455-6677-8899-aabbccddeeff"
const i32 ALIAS = HEX
const i64 WIDENED = MEDIUM
const Level LEVEL = Level.HIGH
const Level QUALIFIED = Level.LOW
const Level BY_NUMBER = 5
const list<i32> NUMBERS = [1, 2; 3 4]
const set<string> NAMES = ["a", "b"]
const set<string> NO_NAMES = {}
const map<string, list<i16>> TABLE = {"one": [1], "two": [2, 2],}
const map<i32, string> EMPTY_MAP = []
const Pair PAIR = {"key": "k", "value": 3, "levels": [Level.LOW, consts.Level.HIGH]}
const list<Pair> PAIRS = [{"key": "a"}, {"key": "b", "value": LATER}]
const i32 LATER = 42
