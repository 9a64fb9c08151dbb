struct P { 1: i32 x }
const P ONE = {"x": 1}
struct Q { 1: P p = ONE }
