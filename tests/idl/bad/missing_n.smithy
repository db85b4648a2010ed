// expect: 9:5: error: member 'b' of Foo has no @n trait
$version: "2"
namespace test.bad
use stratus.model#n

structure Foo {
    @n(0)
    a: String
    b: String
}
