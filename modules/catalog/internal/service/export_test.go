package service

// DecodeCost exposes decodeCost to the tests that measure it.
var DecodeCost = decodeCost
