// expect: 8:8: error: unknown shape 'Nope'
$version: "2"
namespace test.bad
use stratus.model#n

structure Foo {
    @n(0)
    a: Nope
}
