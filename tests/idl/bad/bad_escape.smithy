// expect: 8:23: error: unsupported escape sequence '\n' (only \" and \\)
$version: "2"
namespace test.bad
use stratus.model#wireName
use stratus.model#n

structure Foo {
    @n(0) @wireName("a\n")
    a: String
}
