service Base { void f() }
service S extends Base {
  void g()
  void g()
  void f()
}
