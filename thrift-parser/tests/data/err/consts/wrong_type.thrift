const string S = 5
const i32 I = "five"
const double D = "x"
const list<i32> L = {1: 2}
const map<i32, i32> M = [1, 2]
struct P { 1: i32 x }
const P STRUCT = [1]
const P UNKNOWN_FIELD = {"y": 1}
const uuid U = "not-a-uuid"
const i32 NOWHERE = NOT_DEFINED
