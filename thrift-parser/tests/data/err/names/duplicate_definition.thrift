struct User {}
enum User { A }
const i32 MAX = 1
const i32 MAX = 2
