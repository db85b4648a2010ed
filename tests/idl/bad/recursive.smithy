// expect: 6:11: error: structure A contains itself (recursive shapes are not supported)
$version: "2"
namespace test.bad
use stratus.model#n

structure A {
    @n(0)
    b: B
}

structure B {
    @n(0)
    a: A
}
