-- Argo CD health check for switchboard.dev/Consumer (Lua 5.1, as embedded by Argo CD).
-- Degraded when a key cannot be published (Ready=False); Healthy with Ready=True, saying so when
-- the budget is spent (BudgetExhausted=True: the gateways refuse its requests until the day or
-- month turns) or a key is due for rotation (KeyRotationDue=True). A spent budget is policy at
-- work, not a sync to wait for: Argo CD waits on a Suspended resource of a sync wave as on a
-- Progressing one, so one team's spent budget would hold every later wave until the month turns.
local function findCondition(conditions, conditionType)
  if conditions == nil then
    return nil
  end
  for _, condition in ipairs(conditions) do
    if condition.type == conditionType then
      return condition
    end
  end
  return nil
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  local text = condition.reason or fallback
  if condition.message ~= nil and condition.message ~= "" then
    text = text .. ": " .. condition.message
  end
  return text
end

local hs = {}
local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile this consumer"
  return hs
end

local generation = obj.metadata.generation
if status.observedGeneration == nil or (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local ready = findCondition(status.conditions, "Ready")
local budget = findCondition(status.conditions, "BudgetExhausted")
local rotation = findCondition(status.conditions, "KeyRotationDue")

if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready, "NotReady")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  if budget ~= nil and budget.status == "True" then
    hs.message = hs.message .. "; budget spent, requests refused: " .. describe(budget, "BudgetExhausted")
  end
  if rotation ~= nil and rotation.status == "True" then
    hs.message = hs.message .. "; key rotation due: " .. describe(rotation, "KeyOlderThanMaxAge")
  end
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for the Ready condition"
return hs
