// The service of the RPC benchmark: each call sends one value and gets it back unchanged.
// Both our code generator (build.rs, thrift_build) and Apache's compiler
// (`thrift --gen rs`) read this file.

namespace rs echo

service Echo {
  string echo_string(1: string s),
  binary echo_binary(1: binary b),
}
