struct A {}
service S {
  A (wrapper = "arc") get()
}
