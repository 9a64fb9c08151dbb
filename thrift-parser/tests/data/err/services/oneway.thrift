exception E {}
service S {
  oneway i32 returns_value()
  oneway void throws_exception() throws (1: E e)
}
