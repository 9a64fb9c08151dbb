const string S = "no end
const i32 X = 1
