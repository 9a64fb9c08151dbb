// Old forms that Apache Thrift still accepts, with warnings where it gives them.
# Shell-style comments too.
/* Block comments are not doc comments. */ /**/ /***/
cpp_include "<vector>"
namespace cpp legacy (cpp.annotation = "x")

struct Old xsd_all {
  1: byte b
  2: i32 attrs xsd_optional xsd_nillable xsd_attrs { 1: string extra }
  3: list<i32> cpp_type "std::vector<int>" deprecated_position
  4: list<byte> bytes
}

service OldService {
  async void fire(1: i32 x)
  void args(1: optional i32 ignored_optional)
  void throws_required() throws (1: required OldError e)
}

exception OldError {}
