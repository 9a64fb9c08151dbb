struct NotAnException {}
typedef NotAnException Alias
service S {
  void f() throws (1: NotAnException a, 2: Alias b)
}
