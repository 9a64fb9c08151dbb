typedef string (rs.fd = "true") NotANumber
typedef i32 (rs.fd = "maybe") Unsure
typedef i32 Late (rs.fd = "true")

struct S {
  1: i32 misplaced (rs.fd = "true")
  2: list<i32> (rs.fd = "true") container
  3: map<i32 (rs.fd = "true"), string> key
}
