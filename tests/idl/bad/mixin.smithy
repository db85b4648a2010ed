// expect: 7:15: error: mixins ('with') are not supported
$version: "2"
namespace test.bad

structure Base {}

structure Foo with [Base] {}
