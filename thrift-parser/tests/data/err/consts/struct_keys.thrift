struct P { 1: i32 x }
const P BAD_KEY = {1: 2}
