"""VehicleControlAPI: a car (from ``multi_turn_func_doc/vehicle_control.json``).

Facts the ground truth relies on: the tank holds 50 gallons; the car does 20 miles per gallon
(``estimate_drive_feasibility_by_mileage``); starting needs all doors locked and the brake pedal
pressed; the nearest tire shop is ``456 Oakwood Avenue, Rivermist, 83214``; the zip codes and
distances below.
"""

from __future__ import annotations

from typing import Any

from toolenv.suites.bfcl.backends.base import Backend, is_number

MAX_FUEL = 50.0
MPG = 20.0
MAX_BRAKE_FORCE = 1000.0
GALLON_TO_LITER = 3.78541
LITER_TO_GALLON = 0.264172
TIRE_SHOP = "456 Oakwood Avenue, Rivermist, 83214"
DOORS = ("driver", "passenger", "rear_left", "rear_right")
ZIPCODES = {
    "Rivermist": "83214", "Stonebrook": "74532", "Maplecrest": "56832", "Silverpine": "62947",
    "Shadowridge": "71749", "Sunset Valley": "38516", "Oakendale": "47329", "Willowbend": "26721",
    "Crescent Hollow": "69238", "Autumnville": "51479", "San Francisco": "94016",
}
DISTANCES = {  # km, unordered zip pairs
    frozenset(("83214", "74532")): (750.0, ["Silverpine"]),
    frozenset(("94016", "83214")): (980.0, ["Silverpine", "Oakendale"]),
    frozenset(("94016", "74532")): (880.0, ["Silverpine"]),
    frozenset(("94016", "62947")): (780.0, ["Oakendale"]),
    frozenset(("69238", "51479")): (630.0, ["Sunset Valley"]),
    frozenset(("62947", "47329")): (490.0, []),
    frozenset(("83214", "56832")): (450.0, []),
    frozenset(("74532", "56832")): (320.0, []),
    frozenset(("56832", "47329")): (290.0, []),
}


class VehicleControlAPI(Backend):
    DEFAULT_STATE = {
        "fuelLevel": 0.0,
        "batteryVoltage": 12.6,
        "engineState": "stopped",
        "remainingUnlockedDoors": 4,
        "doorStatus": {d: "unlocked" for d in DOORS},
        "acTemperature": 25.0,
        "fanSpeed": 50,
        "acMode": "auto",
        "humidityLevel": 50.0,
        "headLightStatus": "off",
        "parkingBrakeStatus": "released",
        "parkingBrakeForce": 0.0,
        "slopeAngle": 0.0,
        "brakePedalStatus": "released",
        "brakePedalForce": 0.0,
        "distanceToNextVehicle": 50.0,
        "cruiseStatus": "inactive",
        "destination": "None",
        "frontLeftTirePressure": 32.0,
        "frontRightTirePressure": 32.0,
        "rearLeftTirePressure": 30.0,
        "rearRightTirePressure": 30.0,
        "speed": 0.0,
    }

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        super()._load_scenario(scenario, long_context)
        if "remainingUnlockedDoors" not in scenario and isinstance(self.doorStatus, dict):
            self.remainingUnlockedDoors = sum(1 for v in self.doorStatus.values() if v == "unlocked")

    def startEngine(self, ignitionMode: str) -> dict[str, Any]:
        if ignitionMode == "START":
            if self.remainingUnlockedDoors > 0:
                return {"error": "All doors must be locked before starting the engine. Here are the unlocked doors: " + ", ".join(d for d, s in self.doorStatus.items() if s == "unlocked")}
            if self.brakePedalStatus != "pressed":
                return {"error": "Brake pedal needs to be pressed when starting the engine."}
            if self.brakePedalForce != MAX_BRAKE_FORCE:
                return {"error": "Must press the brake fully before starting the engine."}
            if self.fuelLevel < 1e-9:
                return {"error": "Fuel tank is empty."}
            self.engineState = "running"
        elif ignitionMode == "STOP":
            self.engineState = "stopped"
        else:
            return {"error": "Invalid ignition mode. Use 'START' or 'STOP'."}
        return {"engineState": self.engineState, "fuelLevel": self.fuelLevel, "batteryVoltage": self.batteryVoltage}

    def fillFuelTank(self, fuelAmount: float) -> dict[str, Any]:
        if not is_number(fuelAmount) or fuelAmount < 0:
            return {"error": "Fuel amount cannot be negative."}
        if self.fuelLevel + fuelAmount > MAX_FUEL + 1e-9:
            return {"error": "Cannot fill gas above the tank capacity."}
        self.fuelLevel = self.fuelLevel + fuelAmount
        return {"fuelLevel": self.fuelLevel}

    def lockDoors(self, unlock: bool, door: list) -> dict[str, Any]:
        if not isinstance(door, list) or any(d not in DOORS for d in door):
            return {"error": f"Invalid door list. Doors are: {', '.join(DOORS)}."}
        for d in door:
            self.doorStatus[d] = "unlocked" if unlock else "locked"
        self.remainingUnlockedDoors = sum(1 for v in self.doorStatus.values() if v == "unlocked")
        return {"lockStatus": "unlocked" if unlock else "locked", "remainingUnlockedDoors": self.remainingUnlockedDoors}

    def adjustClimateControl(self, temperature: float, unit: str = "celsius", fanSpeed: int = 50, mode: str = "auto") -> dict[str, Any]:
        if not is_number(temperature):
            return {"error": "Temperature must be a number."}
        if not isinstance(fanSpeed, int) or isinstance(fanSpeed, bool) or not 0 <= fanSpeed <= 100:
            return {"error": "Fan speed must be between 0 and 100."}
        if mode not in ("auto", "cool", "heat", "defrost"):
            return {"error": "Invalid climate mode."}
        if unit == "fahrenheit":
            temperature = round((temperature - 32) * 5 / 9, 2)
        elif unit != "celsius":
            return {"error": "Invalid temperature unit."}
        self.acTemperature = temperature
        self.fanSpeed = fanSpeed
        self.acMode = mode
        return {"currentTemperature": temperature, "climateMode": mode, "humidityLevel": self.humidityLevel}

    def get_outside_temperature_from_google(self) -> dict[str, float]:
        return {"outsideTemperature": 28.5}

    def get_outside_temperature_from_weather_com(self) -> dict[str, Any]:
        return {"error": 404}

    def setHeadlights(self, mode: str) -> dict[str, Any]:
        if mode not in ("on", "off", "auto"):
            return {"error": "Invalid headlight mode."}
        self.headLightStatus = "on" if mode == "on" else "off"
        return {"headlightStatus": self.headLightStatus}

    def displayCarStatus(self, option: str) -> dict[str, Any]:
        if option == "fuel":
            status = {"fuelLevel": self.fuelLevel}
        elif option == "battery":
            status = {"batteryVoltage": self.batteryVoltage}
        elif option == "doors":
            status = {"doorStatus": dict(self.doorStatus)}
        elif option == "climate":
            status = {"currentACTemperature": self.acTemperature, "fanSpeed": self.fanSpeed, "climateMode": self.acMode, "humidityLevel": self.humidityLevel}
        elif option == "headlights":
            status = {"headlightStatus": self.headLightStatus}
        elif option == "parkingBrake":
            status = {"parkingBrakeStatus": self.parkingBrakeStatus, "parkingBrakeForce": self.parkingBrakeForce, "slopeAngle": self.slopeAngle}
        elif option == "brakePedal":
            status = {"brakePedalStatus": self.brakePedalStatus, "brakePedalForce": self.brakePedalForce}
        elif option == "engine":
            status = {"engineState": self.engineState}
        else:
            return {"error": "Invalid option"}
        return {"status": status}

    def activateParkingBrake(self, mode: str) -> dict[str, Any]:
        if mode == "engage":
            self.parkingBrakeStatus, self.parkingBrakeForce, self.slopeAngle = "engaged", 500.0, 10.0
        elif mode == "release":
            self.parkingBrakeStatus, self.parkingBrakeForce, self.slopeAngle = "released", 0.0, 10.0
        else:
            return {"error": "Invalid mode"}
        return {"parkingBrakeStatus": self.parkingBrakeStatus, "_parkingBrakeForce": self.parkingBrakeForce, "_slopeAngle": self.slopeAngle}

    def pressBrakePedal(self, pedalPosition: float) -> dict[str, Any]:
        if not is_number(pedalPosition) or not 0 <= pedalPosition <= 1:
            return {"error": "Pedal position must be between 0 and 1."}
        if pedalPosition == 0:
            return {"brakePedalStatus": self.brakePedalStatus, "brakePedalForce": self.brakePedalForce}
        self.brakePedalStatus = "pressed"
        self.brakePedalForce = pedalPosition * MAX_BRAKE_FORCE
        return {"brakePedalStatus": "pressed", "brakePedalForce": self.brakePedalForce}

    def releaseBrakePedal(self) -> dict[str, Any]:
        self.brakePedalStatus, self.brakePedalForce = "released", 0.0
        return {"brakePedalStatus": "released", "brakePedalForce": 0.0}

    def setCruiseControl(self, speed: float, activate: bool, distanceToNextVehicle: float) -> dict[str, Any]:
        if self.engineState == "stopped":
            return {"error": "Start the engine before activating the cruise control."}
        if not activate:
            self.cruiseStatus = "inactive"
            return {"cruiseStatus": "inactive", "currentSpeed": self.speed, "distanceToNextVehicle": self.distanceToNextVehicle}
        if not is_number(speed) or speed < 0 or speed > 120 or speed % 5 != 0:
            return {"error": "Invalid speed. Speed must be between 0 and 120 and a multiple of 5."}
        if not is_number(distanceToNextVehicle):
            return {"error": "Distance to the next vehicle must be a number."}
        self.cruiseStatus = "active"
        self.speed = speed
        self.distanceToNextVehicle = distanceToNextVehicle
        return {"cruiseStatus": "active", "currentSpeed": speed, "distanceToNextVehicle": distanceToNextVehicle}

    def get_current_speed(self) -> dict[str, float]:
        return {"currentSpeed": self.speed}

    def display_log(self, messages: list) -> dict[str, Any]:
        return {"log": list(messages) if isinstance(messages, list) else [messages]}

    def estimate_drive_feasibility_by_mileage(self, distance: float) -> dict[str, Any]:
        if not is_number(distance):
            return {"error": "Distance must be a number."}
        return {"canDrive": self.fuelLevel * MPG >= distance}

    def liter_to_gallon(self, liter: float) -> dict[str, Any]:
        if not is_number(liter) or liter < 0:
            return {"error": "Liter value cannot be negative."}
        return {"gallon": liter * LITER_TO_GALLON}

    def gallon_to_liter(self, gallon: float) -> dict[str, Any]:
        if not is_number(gallon) or gallon < 0:
            return {"error": "Gallon value cannot be negative."}
        return {"liter": gallon * GALLON_TO_LITER}

    def estimate_distance(self, cityA: str, cityB: str) -> dict[str, Any]:
        hit = DISTANCES.get(frozenset((cityA, cityB)))
        if hit is None:
            if cityA not in ZIPCODES.values() or cityB not in ZIPCODES.values() or cityA == cityB:
                return {"error": "distance not found in database."}
            a, b = sorted((int(cityA), int(cityB)))
            return {"distance": float(100 + (a * 7 + b * 3) % 900)}
        d, via = hit
        out: dict[str, Any] = {"distance": d}
        if via:
            out["intermediaryCities"] = list(via)
        return out

    def get_zipcode_based_on_city(self, city: str) -> dict[str, str]:
        return {"zipcode": ZIPCODES.get(city, "00000")}

    def set_navigation(self, destination: str) -> dict[str, str]:
        self.destination = destination
        return {"status": f"Navigating to {destination}"}

    def check_tire_pressure(self) -> dict[str, Any]:
        pressures = {
            "frontLeftTirePressure": self.frontLeftTirePressure,
            "frontRightTirePressure": self.frontRightTirePressure,
            "rearLeftTirePressure": self.rearLeftTirePressure,
            "rearRightTirePressure": self.rearRightTirePressure,
        }
        healthy = all(is_number(p) and 32 <= p <= 35 for p in pressures.values())
        return {"tirePressure": {**pressures, "healthy_tire_pressure": healthy, "car_info": {}}}

    def find_nearest_tire_shop(self) -> dict[str, str]:
        return {"shopLocation": TIRE_SHOP}
