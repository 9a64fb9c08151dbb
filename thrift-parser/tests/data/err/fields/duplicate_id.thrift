struct User {
  1: string name
  1: i32 id
}
