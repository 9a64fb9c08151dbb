//! Generates the types the decoder targets read: every construct of `idl/constructs.thrift`
//! (with `base.thrift`) and the descriptor-holding types of `idl/fds.thrift`.

fn main() {
    if let Err(e) = thrift_build::compile(&["../idl/constructs.thrift", "../idl/fds.thrift"]) {
        panic!("thrift-build failed:\n{e:?}");
    }
}
