-- Argo CD health check for switchboard.dev/ModelRoute (Lua 5.1, as embedded by Argo CD).
-- A canary in flight is Progressing, so sync waves wait for it; a rolled-back or failed canary
-- and a route the operator cannot serve are Degraded. A split canary that the route's policy
-- (deterministic with pinTarget) keeps from traffic is Healthy with a message saying so: the
-- route serves its stable targets deliberately, and the canary never advances until someone
-- decides (shadow mode, pinTarget: false, or the promote/abort annotation); it is not
-- progressing, and not Suspended either, which a sync wave waits on as on Progressing.
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
  hs.message = "Waiting for the operator to reconcile this route"
  return hs
end

local generation = obj.metadata.generation
if status.observedGeneration == nil or (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local ready = findCondition(status.conditions, "Ready")
local canaryHealthy = findCondition(status.conditions, "CanaryHealthy")
local phase = status.phase

if phase == "RolledBack" then
  hs.status = "Degraded"
  hs.message = "Canary rolled back: " .. describe(canaryHealthy, "analysis failed")
  return hs
end
if phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "Rollout failed: " .. describe(ready, describe(canaryHealthy, "see status"))
  return hs
end
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready, "NotReady")
  return hs
end
if (phase == "Progressing" or phase == "Paused") and canaryHealthy ~= nil
    and canaryHealthy.reason == "SplitDisabledByPinTarget" then
  hs.status = "Healthy"
  hs.message = "Canary takes no traffic, stable serves (needs shadow mode, pinTarget: false,"
    .. " or promote/abort): " .. describe(canaryHealthy, "SplitDisabledByPinTarget")
  return hs
end
if phase == "Progressing" or phase == "Paused" then
  hs.status = "Progressing"
  hs.message = "Canary " .. string.lower(phase) .. " at weight " .. tostring(status.canaryWeight or 0)
    .. "% (step " .. tostring(status.currentStep or 0) .. ")"
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for the Ready condition"
return hs
