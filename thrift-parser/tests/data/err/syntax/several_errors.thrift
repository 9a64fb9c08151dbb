// Every error of a file is reported in one run.
struct A {
  1: i32 = 5
  2: string ok
  3 i32 missing_colon
}

enum E { X = "text", Y }

service S {
  void f(1: i32 a
  void g()
}

const i32 FINE = 1
