// expect: 7:10: error: map keys must be strings, not 'U32'
$version: "2"
namespace test.bad
use stratus.model#U32

map Counts {
    key: U32
    value: String
}
