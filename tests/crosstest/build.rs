//! Generates the cross-test services from our own `idl/cross_test.thrift`.

fn main() {
    if let Err(e) = thrift_build::compile(&["../../idl/cross_test.thrift"]) {
        panic!("thrift-build failed:\n{e:?}");
    }
}
