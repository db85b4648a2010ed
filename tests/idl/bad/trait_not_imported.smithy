// expect: 6:5: error: unknown trait '@n'
$version: "2"
namespace test.bad

structure Foo {
    @n(0)
    a: String
}
