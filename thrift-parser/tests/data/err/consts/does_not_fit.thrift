const i8 TOO_BIG = 300
const i16 NEG = -40000
const i32 WIDE = 4294967296
const bool TWO = 2
const i64 OK = 1
const i8 FROM_CONST = BIG
const i32 BIG = 1000
