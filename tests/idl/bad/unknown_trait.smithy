// expect: 7:11: error: unknown trait '@sensitive'
$version: "2"
namespace test.bad
use stratus.model#n

structure Foo {
    @n(0) @sensitive
    a: String
}
