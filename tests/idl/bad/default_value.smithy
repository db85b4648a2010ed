// expect: 8:16: error: default values ('= value') are not supported
$version: "2"
namespace test.bad
use stratus.model#n

structure Foo {
    @n(0)
    a: Boolean = false
}
