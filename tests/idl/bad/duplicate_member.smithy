// expect: 10:5: error: duplicate member 'a' in Foo
$version: "2"
namespace test.bad
use stratus.model#n

structure Foo {
    @n(0)
    a: String
    @n(1)
    a: String
}
