// expect: 5:6: error: list Names must have exactly one member named 'member'
$version: "2"
namespace test.bad

list Names {
    item: String
}
