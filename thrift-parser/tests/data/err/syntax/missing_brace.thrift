struct Open {
  1: i32 a

struct Next {
  1: i32 b
}

struct Uses {
  1: Open open
  2: Next next
}
