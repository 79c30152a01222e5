"""VehicleControlAPI: a car (from ``multi_turn_func_doc/vehicle_control.json``).

Behaves as the official backend (``bfcl_eval`` 2026.3.23), quirks included. Public state uses the
official names (``engine_state``, loaded from the config's ``engineState``); the parking-brake
force, slope angle and brake-pedal force are private (``_parkingBrakeForce``, ``_slopeAngle``,
``_brakePedalForce``, loaded from ``parkingBrakeForce``, ``slopeAngle``, ``brakePedalForce``) and
there is no speed state. Facts the ground truth relies on: the tank holds 50 gallons; the car does
20 miles per gallon; starting needs all doors locked and the brake pedal fully pressed; the zip
codes and distances below; temperatures and the current speed are drawn from a private generator
seeded with ``random_seed`` (default 141053).
"""

from __future__ import annotations

import copy
import random
from typing import Any

from toolenv.suites.bfcl.backends.base import Backend, shared_long_context_data

DEFAULT_SEED = 141053
MAX_FUEL = 50
MIN_FUEL = 0.0
MPG = 20.0
MAX_BRAKE_FORCE = 1000
TIRE_SHOP = "456 Oakwood Avenue, Rivermist, 83214"
#: city -> zip code; other cities get "00000"
ZIPCODES = [
    ("Rivermist", "83214"), ("Stonebrook", "74532"), ("Maplecrest", "56108"), ("Silverpine", "62947"),
    ("Shadowridge", "71354"), ("Sunset Valley", "83462"), ("Oakendale", "47329"), ("Willowbend", "52013"),
    ("Crescent Hollow", "69238"), ("Autumnville", "51479"), ("San Francisco", "94016"),
]
#: km between two zip codes (either order)
DISTANCES = [
    ("83214", "74532", 750.0), ("56108", "62947", 320.0), ("71354", "83462", 450.0), ("47329", "52013", 290.0),
    ("69238", "51479", 630.0), ("94016", "83214", 980.0), ("94016", "94704", 600.0), ("94704", "08540", 2550.0),
    ("94016", "08540", 1950.0), ("62947", "47329", 1053.0), ("94016", "62947", 780.0), ("74532", "94016", 880.0),
]
#: public state: attribute -> (config key, default)
STATE: dict[str, tuple[str, Any]] = {
    "fuelLevel": ("fuelLevel", 0.0),
    "batteryVoltage": ("batteryVoltage", 12.6),
    "engine_state": ("engineState", "stopped"),
    "remainingUnlockedDoors": ("remainingUnlockedDoors", 4),
    "doorStatus": ("doorStatus", {"driver": "unlocked", "passenger": "unlocked", "rear_left": "unlocked", "rear_right": "unlocked"}),
    "acTemperature": ("acTemperature", 25.0),
    "fanSpeed": ("fanSpeed", 50),
    "acMode": ("acMode", "auto"),
    "humidityLevel": ("humidityLevel", 50.0),
    "headLightStatus": ("headLightStatus", "off"),
    "parkingBrakeStatus": ("parkingBrakeStatus", "released"),
    "_parkingBrakeForce": ("parkingBrakeForce", 0.0),
    "_slopeAngle": ("slopeAngle", 0.0),
    "brakePedalStatus": ("brakePedalStatus", "released"),
    "_brakePedalForce": ("brakePedalForce", 0.0),
    "distanceToNextVehicle": ("distanceToNextVehicle", 50.0),
    "cruiseStatus": ("cruiseStatus", "inactive"),
    "destination": ("destination", "None"),
    "frontLeftTirePressure": ("frontLeftTirePressure", 32.0),
    "frontRightTirePressure": ("frontRightTirePressure", 32.0),
    "rearLeftTirePressure": ("rearLeftTirePressure", 30.0),
    "rearRightTirePressure": ("rearRightTirePressure", 30.0),
}


class VehicleControlAPI(Backend):
    def __init__(self) -> None:
        self._load_scenario({})

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        self._random = random.Random(scenario.get("random_seed", DEFAULT_SEED))
        for attr, (key, default) in STATE.items():
            setattr(self, attr, copy.deepcopy(scenario[key] if key in scenario else default))
        # the config's count is ignored: recomputed from the doors (4 minus the locked ones)
        self.remainingUnlockedDoors = 4 - len([d for d in self.doorStatus if self.doorStatus[d] == "locked"])
        self.long_context = long_context

    # ------------------------------------------------------------------ engine and fuel
    def startEngine(self, ignitionMode: str) -> dict[str, Any]:
        if ignitionMode == "STOP":  # stops at once, then still runs the start checks
            self.engine_state = "stopped"
        if self.remainingUnlockedDoors > 0:
            unlocked = [d for d, s in self.doorStatus.items() if s == "unlocked"]
            return {"error": "All doors must be locked before starting the engine. Here are the unlocked doors: " + ", ".join(unlocked)}
        if self.brakePedalStatus != "pressed":
            return {"error": "Brake pedal needs to be pressed when starting the engine."}
        if self._brakePedalForce != 1000.0:
            return {"error": "Must press the brake fully before starting the engine."}
        if self.fuelLevel < MIN_FUEL:
            return {"error": "Fuel tank is empty."}
        if ignitionMode != "START":
            return {"error": "Invalid ignition mode."}
        self.engine_state = "running"
        return {"engineState": self.engine_state, "fuelLevel": self.fuelLevel, "batteryVoltage": self.batteryVoltage}

    def fillFuelTank(self, fuelAmount: float) -> dict[str, Any]:
        if fuelAmount < 0:
            return {"error": "Fuel amount cannot be negative."}
        if self.fuelLevel + fuelAmount > MAX_FUEL:
            return {"error": "Cannot fill gas above the tank capacity."}
        if self.fuelLevel + fuelAmount < MIN_FUEL:
            return {"error": "Fuel tank is empty. Min fuel level is 0 gallons."}
        self.fuelLevel += fuelAmount
        return {"fuelLevel": self.fuelLevel}

    def estimate_drive_feasibility_by_mileage(self, distance: float) -> dict[str, bool]:
        return {"canDrive": not self.fuelLevel * MPG < distance}

    def liter_to_gallon(self, liter: float) -> dict[str, float]:
        return {"gallon": liter * 0.264172}

    def gallon_to_liter(self, gallon: float) -> dict[str, float]:
        return {"liter": gallon * 3.78541}

    # ------------------------------------------------------------------ doors, climate, lights
    def lockDoors(self, unlock: bool, door: list) -> dict[str, Any]:
        """Doors are changed one by one (an unknown door fails midway, the earlier ones changed)."""
        target = "unlocked" if unlock else "locked"
        for d in door:
            if self.doorStatus[d] == target:
                continue
            self.doorStatus[d] = target
            self.remainingUnlockedDoors += 1 if unlock else -1
        return {"lockStatus": target, "remainingUnlockedDoors": self.remainingUnlockedDoors}

    def adjustClimateControl(self, temperature: float, unit: str = "celsius", fanSpeed: int = 50, mode: str = "auto") -> dict[str, Any]:
        if not 0 <= fanSpeed <= 100:
            return {"error": "Fan speed must be between 0 and 100."}
        self.acTemperature = temperature
        if unit == "fahrenheit":
            self.acTemperature = (temperature - 32) * 5 / 9
        self.fanSpeed = fanSpeed
        self.acMode = mode
        return {"currentACTemperature": temperature, "climateMode": mode, "humidityLevel": self.humidityLevel}

    def get_outside_temperature_from_google(self) -> dict[str, Any]:
        if self.long_context:
            weather = shared_long_context_data("LONG_WEATHER_EXTENSION")
            weather["outsideTemperature"] = self._random.uniform(-10.0, 40.0)
            return weather
        return {"outsideTemperature": self._random.uniform(-10.0, 40.0)}

    def get_outside_temperature_from_weather_com(self) -> dict[str, Any]:
        return {"error": 404}

    def setHeadlights(self, mode: str) -> dict[str, str]:
        if mode not in ["on", "off", "auto"]:
            return {"error": "Invalid headlight mode."}
        self.headLightStatus = "on" if mode == "on" else "off"
        return {"headlightStatus": self.headLightStatus}

    def displayCarStatus(self, option: str) -> dict[str, Any]:
        status: dict[str, Any] = {}
        if self.long_context:
            status["metadata"] = shared_long_context_data("CAR_STATUS_METADATA_EXTENSION")
        if option == "fuel":
            status["fuelLevel"] = self.fuelLevel
        elif option == "battery":
            status["batteryVoltage"] = self.batteryVoltage
        elif option == "doors":
            status["doorStatus"] = self.doorStatus
        elif option == "climate":
            status.update(currentACTemperature=self.acTemperature, fanSpeed=self.fanSpeed, climateMode=self.acMode, humidityLevel=self.humidityLevel)
        elif option == "headlights":
            status["headlightStatus"] = self.headLightStatus
        elif option == "parkingBrake":
            status.update(parkingBrakeStatus=self.parkingBrakeStatus, parkingBrakeForce=self._parkingBrakeForce, slopeAngle=self._slopeAngle)
        elif option == "brakePedal":
            status.update(brakePedalStatus=self.brakePedalStatus, brakePedalForce=self._brakePedalForce)
        elif option == "engine":
            status["engineState"] = self.engine_state
        else:
            status["error"] = "Invalid option"
        return status

    # ------------------------------------------------------------------ brakes and cruise control
    def activateParkingBrake(self, mode: str) -> dict[str, Any]:
        if mode not in ["engage", "release"]:
            return {"error": "Invalid mode"}
        self.parkingBrakeStatus = "engaged" if mode == "engage" else "released"
        self._parkingBrakeForce = 500.0 if mode == "engage" else 0.0
        self._slopeAngle = 10.0
        out: dict[str, Any] = {}
        if self.long_context:
            out["parkingBrakeInstruction"] = shared_long_context_data("PARKING_BRAKE_INSTRUCTION")
        out.update(parkingBrakeStatus=self.parkingBrakeStatus, _parkingBrakeForce=self._parkingBrakeForce, _slopeAngle=10.0)
        return out

    def pressBrakePedal(self, pedalPosition: float) -> dict[str, Any]:
        if not 0 <= pedalPosition <= 1:
            return {"error": "Pedal position must be between 0 and 1."}
        if pedalPosition == 0:
            return self.releaseBrakePedal()
        force = pedalPosition * MAX_BRAKE_FORCE
        self.brakePedalStatus = "pressed"
        self._brakePedalForce = force
        return {"brakePedalStatus": "pressed", "brakePedalForce": float(force)}

    def releaseBrakePedal(self) -> dict[str, Any]:
        self.brakePedalStatus = "released"
        self._brakePedalForce = 0.0
        return {"brakePedalStatus": "released", "brakePedalForce": 0.0}

    def setCruiseControl(self, speed: float, activate: bool, distanceToNextVehicle: float) -> dict[str, Any]:
        """The distance is stored even when the speed is refused; the speed itself is not kept."""
        distanceToNextVehicle = float(distanceToNextVehicle)
        speed = float(speed)
        if self.engine_state == "stopped":
            return {"error": "Start the engine before activating the cruise control."}
        self.distanceToNextVehicle = distanceToNextVehicle
        if activate:
            if speed < 0 or speed > 120 or speed % 5 != 0:
                return {"error": "Invalid speed"}
            self.cruiseStatus = "active"
        else:
            self.cruiseStatus = "inactive"
        return {"cruiseStatus": self.cruiseStatus, "currentSpeed": speed, "distanceToNextVehicle": distanceToNextVehicle}

    def get_current_speed(self) -> dict[str, float]:
        return {"currentSpeed": self._random.uniform(0.0, 120.0)}

    # ------------------------------------------------------------------ navigation and misc
    def display_log(self, messages: list) -> dict[str, Any]:
        return {"log": messages}

    def estimate_distance(self, cityA: str, cityB: str) -> dict[str, Any]:
        out: dict[str, Any] = {"error": "distance not found in database."}
        for a, b, km in DISTANCES:
            if (cityA == a and cityB == b) or (cityA == b and cityB == a):
                out = {"distance": km}
                break
        if self.long_context:
            out["intermediaryCities"] = shared_long_context_data("INTERMEDIARY_CITIES")
        return out

    def get_zipcode_based_on_city(self, city: str) -> dict[str, str]:
        for name, zipcode in ZIPCODES:
            if city == name:
                return {"zipcode": zipcode}
        return {"zipcode": "00000"}

    def set_navigation(self, destination: str) -> dict[str, str]:
        self.destination = destination
        return {"status": "Navigating to " + destination}

    def check_tire_pressure(self) -> dict[str, Any]:
        pressures = {
            "frontLeftTirePressure": self.frontLeftTirePressure,
            "frontRightTirePressure": self.frontRightTirePressure,
            "rearLeftTirePressure": self.rearLeftTirePressure,
            "rearRightTirePressure": self.rearRightTirePressure,
        }
        mean = (self.frontLeftTirePressure + self.frontRightTirePressure + self.rearLeftTirePressure + self.rearRightTirePressure) / 4
        car_info = shared_long_context_data("CAR_STATUS_METADATA_EXTENSION") if self.long_context else {}
        return {**pressures, "healthy_tire_pressure": 30 <= mean <= 35, "car_info": car_info}

    def find_nearest_tire_shop(self) -> dict[str, str]:
        return {"shopLocation": TIRE_SHOP}
