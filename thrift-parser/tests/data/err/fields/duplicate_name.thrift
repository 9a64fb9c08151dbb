struct User {
  1: string name
  2: i32 name
}
