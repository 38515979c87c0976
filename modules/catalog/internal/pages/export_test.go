package pages

// ConditionOptions lets the external tests fill the condition selects.
var ConditionOptions = conditionOptions
