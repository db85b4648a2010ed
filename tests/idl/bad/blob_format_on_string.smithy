// expect: 8:11: error: @blobFormat applies only to Blob members
$version: "2"
namespace test.bad
use stratus.model#n
use stratus.model#blobFormat

structure Foo {
    @n(0) @blobFormat("cbor")
    a: String
}
