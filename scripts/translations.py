"""Write strings.json, translations/en.json and translations/es.json from one table.

Run after changing a user-facing text: ``uv run python scripts/translations.py``.
A test checks that the files on disk match what this script writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "custom_components" / "presso_boots"

CONTRAINDICATIONS = {
    "en": (
        "Compression therapy is not for everyone. Do not use the boots with:\n"
        "- acute or suspected deep vein thrombosis (DVT)\n"
        "- decompensated heart failure\n"
        "- open wounds or skin infection in the treated area\n"
        "- critical arterial ischemia (severe peripheral artery disease)\n\n"
        "Ask a doctor when in doubt. This integration is a convenience for a wellness "
        "device, not a medical device."
    ),
    "es": (
        "La terapia de compresión no es para todos. No uses las botas si tienes:\n"
        "- trombosis venosa profunda (TVP) aguda o sospechada\n"
        "- insuficiencia cardíaca descompensada\n"
        "- heridas abiertas o infección de la piel en la zona tratada\n"
        "- isquemia arterial crítica (enfermedad arterial periférica grave)\n\n"
        "Consulta a un médico si tienes dudas. Esta integración es una comodidad para un "
        "dispositivo de bienestar, no un dispositivo médico."
    ),
}

# (en, es) for every message a user can see when something goes wrong.
ERRORS = {
    "not_found": ("{name} are asleep or out of range. Press the power button on the controller or move closer to a Bluetooth adapter or proxy.",
                  "{name} están dormidas o fuera de alcance. Pulsa el botón de encendido del controlador o acércalas a un adaptador o proxy Bluetooth."),
    "out_of_slots": ("Every Bluetooth adapter or proxy near {name} is using all its connection slots. Free one or add an ESPHome Bluetooth proxy nearby.",
                     "Todos los adaptadores o proxies Bluetooth cerca de {name} usan todas sus conexiones. Libera una o añade un proxy Bluetooth de ESPHome cerca."),
    "other_central": ("{name} are connected to another app (such as the phone app). Close it and try again.",
                      "{name} están conectadas a otra aplicación (como la app del móvil). Ciérrala y vuelve a intentarlo."),
    "cannot_connect": ("Could not connect to {name}. Check that they are on and in range.",
                       "No se pudo conectar con {name}. Comprueba que están encendidas y al alcance."),
    "locked_out": ("Too many wrong PINs: {name} refuse new attempts for 60 seconds.",
                   "Demasiados PIN incorrectos: {name} rechazan nuevos intentos durante 60 segundos."),
    "invalid_pin": ("{name} did not accept the PIN.", "{name} no aceptaron el PIN."),
    "fault_active": ("{name} report a fault. Fix its cause and clear it from Repairs first.",
                     "{name} indican un fallo. Corrige la causa y bórralo desde Reparaciones primero."),
    "device_busy": ("{name} are busy. Try again in a moment.", "{name} están ocupadas. Inténtalo de nuevo en un momento."),
    "rejected": ("{name} refused the command ({status}).", "{name} rechazaron la orden ({status})."),
    "timeout": ("{name} did not answer in time.", "{name} no respondieron a tiempo."),
    "disconnected": ("The connection to {name} dropped during the command.", "La conexión con {name} se cortó durante la orden."),
}  # fmt: skip

# Flow form errors and aborts have no placeholders: plain versions of the above.
FLOW_ERRORS = {
    "not_found": ("The boots are asleep or out of range. Press the power button and try again.",
                  "Las botas están dormidas o fuera de alcance. Pulsa el botón de encendido y vuelve a intentarlo."),
    "out_of_slots": ("No Bluetooth adapter or proxy near the boots has a free connection slot.",
                     "Ningún adaptador o proxy Bluetooth cerca de las botas tiene una conexión libre."),
    "other_central": ("The boots are connected to another app. Close it and try again.",
                      "Las botas están conectadas a otra aplicación. Ciérrala y vuelve a intentarlo."),
    "cannot_connect": ("Could not connect to the boots.", "No se pudo conectar con las botas."),
    "locked_out": ("Too many wrong PINs. Wait 60 seconds and try again.",
                   "Demasiados PIN incorrectos. Espera 60 segundos y vuelve a intentarlo."),
    "invalid_pin": ("Wrong PIN.", "PIN incorrecto."),
    "fault_active": ("The boots report a fault whose cause is still present. Fix it and try again.",
                     "Las botas indican un fallo cuya causa sigue presente. Corrígela y vuelve a intentarlo."),
    "device_busy": ("The boots are busy. Try again in a moment.", "Las botas están ocupadas. Inténtalo de nuevo en un momento."),
    "rejected": ("The boots refused the command.", "Las botas rechazaron la orden."),
    "timeout": ("The boots did not answer in time.", "Las botas no respondieron a tiempo."),
    "disconnected": ("The connection dropped. Try again.", "La conexión se cortó. Vuelve a intentarlo."),
}  # fmt: skip

VALIDATION = {
    "pressure_above_cap": ("{pressure} mmHg is above your limit of {cap} mmHg. Raise the limit in the integration's options if your doctor agrees.",
                           "{pressure} mmHg supera tu límite de {cap} mmHg. Sube el límite en las opciones de la integración si tu médico está de acuerdo."),
    "pressure_invalid": ("{pressure} mmHg is not a pressure these boots accept: use {min}-{max} mmHg in steps of {step}.",
                         "{pressure} mmHg no es una presión que acepten estas botas: usa {min}-{max} mmHg en pasos de {step}."),
    "duration_invalid": ("{duration} minutes is not a session length you allow: use {min}-{max} minutes in steps of {step}.",
                         "{duration} minutos no es una duración permitida: usa {min}-{max} minutos en pasos de {step}."),
    "program_unsupported": ("These boots do not have program {program}.", "Estas botas no tienen el programa {program}."),
    "zones_empty": ("Choose at least one chamber.", "Elige al menos una cámara."),
    "legs_invalid": ("These boots do not have that leg.", "Estas botas no tienen esa pierna."),
    "unknown_device": ("{device_id} is not a pair of Presso boots set up in Home Assistant.",
                       "{device_id} no es un par de botas Presso configurado en Home Assistant."),
    "stop_pending": ("{name} did not confirm the stop yet. Home Assistant keeps trying until they do; you can also press stop on the controller.",
                     "{name} aún no confirmaron la parada. Home Assistant sigue intentándolo hasta que lo hagan; también puedes pulsar parar en el controlador."),
}  # fmt: skip

FAULTS = {
    "over_pressure": (("Over-pressure", "Sobrepresión"),
                      ("A chamber went far above its target and the boots vented. Check that the garments are not folded or pinched and that nothing presses on them, then clear the fault.",
                       "Una cámara superó mucho su objetivo y las botas se vaciaron. Comprueba que las prendas no estén dobladas ni pellizcadas y que nada las presione; después borra el fallo.")),
    "leak": (("Leak", "Fuga"),
             ("A chamber did not reach its pressure within 15 seconds. Check the hoses and garments for leaks and that every connector is pushed in, then clear the fault.",
              "Una cámara no alcanzó su presión en 15 segundos. Revisa mangueras y prendas por si hay fugas y que cada conector esté encajado; después borra el fallo.")),
    "garment_not_detected": (("Garment not detected", "Prenda no detectada"),
                             ("The boots cannot find a garment: a hose is disconnected. Connect both hoses to the controller, then clear the fault.",
                              "Las botas no detectan una prenda: hay una manguera desconectada. Conecta ambas mangueras al controlador; después borra el fallo.")),
    "pump_overheat": (("Pump overheat", "Bomba sobrecalentada"),
                      ("The pump is too hot. Let the controller cool for a while in a ventilated place, then clear the fault.",
                       "La bomba está demasiado caliente. Deja enfriar el controlador en un lugar ventilado; después borra el fallo.")),
    "battery_critical": (("Battery critical", "Batería crítica"),
                         ("The battery is almost empty. Connect the charger, then clear the fault.",
                          "La batería está casi vacía. Conecta el cargador; después borra el fallo.")),
    "sensor_failure": (("Pressure sensor failure", "Fallo del sensor de presión"),
                       ("A pressure sensor failed. Restart the controller; if the fault returns, contact the vendor's support. Then clear the fault.",
                        "Falló un sensor de presión. Reinicia el controlador; si el fallo vuelve, contacta con el soporte del fabricante. Después borra el fallo.")),
    "unknown": (("Unknown fault", "Fallo desconocido"),
                ("The boots report fault code {code}, which this version does not know. Check the controller's manual, then clear the fault.",
                 "Las botas indican el código de fallo {code}, que esta versión no conoce. Consulta el manual del controlador; después borra el fallo.")),
}  # fmt: skip

PROGRAMS = {
    "wave": ("Wave", "Ola"),
    "gradient": ("Gradient", "Gradiente"),
    "flush": ("Flush", "Drenaje rápido"),
    "warm_up": ("Warm-up", "Calentamiento"),
    "interval": ("Interval", "Intervalos"),
    "lymph": ("Lymph", "Linfático"),
}
LEGS = {"both": ("Both legs", "Ambas piernas"), "left": ("Left leg", "Pierna izquierda"), "right": ("Right leg", "Pierna derecha")}  # fmt: skip
STATES = {
    "idle": ("Idle", "En reposo"),
    "running": ("Running", "En marcha"),
    "paused": ("Paused", "En pausa"),
    "finishing": ("Finishing", "Finalizando"),
    "fault": ("Fault", "Fallo"),
}
EVENTS = {
    "started": ("Started", "Iniciada"),
    "finished": ("Finished", "Terminada"),
    "stopped": ("Stopped", "Detenida"),
    "aborted": ("Aborted", "Abortada"),
}


def _pick(pairs: dict[str, tuple[str, str]], lang: int) -> dict[str, str]:
    return {key: texts[lang] for key, texts in pairs.items()}


def build(lang: str) -> dict[str, Any]:
    """All strings of one language."""
    i = 0 if lang == "en" else 1

    def t(en: str, es: str) -> str:
        return (en, es)[i]

    flow_errors = _pick(FLOW_ERRORS, i)
    fault_states = {"none": t("None", "Ninguno")} | {k: v[0][i] for k, v in FAULTS.items()}
    fix_flow = {
        "step": {
            "confirm": {
                "title": t("Clear the fault", "Borrar el fallo"),
                "description": t(
                    "When you have fixed the cause, submit to clear the fault on {name}.",
                    "Cuando hayas corregido la causa, envía para borrar el fallo en {name}.",
                ),
            }
        },
        "error": dict(flow_errors),
    }
    device_field = {
        "name": t("Boots", "Botas"),
        "description": t("The boots to control.", "Las botas a controlar."),
    }
    return {
        "config": {
            "flow_title": "{name}",
            "step": {
                "user": {
                    "description": t(
                        "Choose the boots to set up.", "Elige las botas a configurar."
                    ),
                    "data": {"address": t("Boots", "Botas")},
                },
                "bluetooth_confirm": {
                    "description": t("Set up {name}?", "¿Configurar {name}?"),
                },
                "pin": {
                    "title": t("PIN", "PIN"),
                    "description": t(
                        "Enter the 6-digit PIN printed under the controller. After 3 wrong tries the boots refuse new ones for {seconds} seconds.",
                        "Introduce el PIN de 6 dígitos impreso bajo el controlador. Tras 3 intentos fallidos las botas rechazan nuevos intentos durante {seconds} segundos.",
                    ),
                    "data": {"pin": "PIN"},
                },
                "safety": {
                    "title": t("Before you use the boots", "Antes de usar las botas"),
                    "description": CONTRAINDICATIONS[lang],
                    "data": {
                        "safety_acknowledged": t(
                            "I have read this and none of it applies to me, or my doctor agrees",
                            "Lo he leído y nada de esto me aplica, o mi médico está de acuerdo",
                        )
                    },
                },
            },
            "error": flow_errors
            | {
                "pin_format": t("The PIN has 6 digits.", "El PIN tiene 6 dígitos."),
                "acknowledge_required": t(
                    "Please read and confirm the safety note.",
                    "Lee y confirma la nota de seguridad.",
                ),
            },
            "abort": flow_errors
            | {
                "already_configured": t(
                    "These boots are already set up.", "Estas botas ya están configuradas."
                ),
                "already_in_progress": t(
                    "Setup of these boots is already in progress.",
                    "La configuración de estas botas ya está en curso.",
                ),
                "no_devices_found": t(
                    "No Presso boots found. Press the power button on the controller and try again.",
                    "No se encontraron botas Presso. Pulsa el botón de encendido del controlador y vuelve a intentarlo.",
                ),
                "not_supported": t(
                    "This device does not speak Presso protocol 1.",
                    "Este dispositivo no usa el protocolo Presso 1.",
                ),
                "reauth_successful": t("The new PIN works.", "El nuevo PIN funciona."),
            },
        },
        "options": {
            "step": {
                "init": {
                    "data": {
                        "max_pressure": t("Maximum pressure", "Presión máxima"),
                        "max_duration": t("Maximum session length", "Duración máxima de la sesión"),
                        "idle_disconnect": t(
                            "Disconnect after idle", "Desconectar tras inactividad"
                        ),
                    },
                    "data_description": {
                        "max_pressure": t(
                            "Home Assistant never sends a higher target pressure, from any entity, action or automation.",
                            "Home Assistant nunca envía una presión objetivo mayor, desde ninguna entidad, acción o automatización.",
                        ),
                        "max_duration": t(
                            "Longest session Home Assistant starts.",
                            "Sesión más larga que inicia Home Assistant.",
                        ),
                        "idle_disconnect": t(
                            "Seconds to keep the Bluetooth connection after a command when no session runs. Shorter frees proxy slots sooner.",
                            "Segundos que se mantiene la conexión Bluetooth tras una orden cuando no hay sesión. Menos libera antes las conexiones del proxy.",
                        ),
                    },
                }
            }
        },
        "entity": {
            "event": {
                "session": {
                    "name": t("Session", "Sesión"),
                    "state_attributes": {"event_type": {"state": _pick(EVENTS, i)}},
                }
            },
            "number": {
                "pressure": {"name": t("Pressure", "Presión")},
                "duration": {"name": t("Session length", "Duración de la sesión")},
            },
            "select": {
                "program": {"name": t("Program", "Programa"), "state": _pick(PROGRAMS, i)},
                "legs": {"name": t("Legs", "Piernas"), "state": _pick(LEGS, i)},
            },
            "sensor": {
                "session_state": {
                    "name": t("Session state", "Estado de la sesión"),
                    "state": _pick(STATES, i),
                },
                "session_ends": {"name": t("Session ends", "Fin de la sesión")},
                "fault": {"name": t("Fault", "Fallo"), "state": fault_states},
                "lifetime_sessions": {"name": t("Lifetime sessions", "Sesiones totales")},
                "lifetime_therapy": {"name": t("Lifetime therapy time", "Tiempo total de terapia")},
                "chamber_pressure_left": {
                    "name": t("Left chamber {chamber}", "Cámara izquierda {chamber}")
                },
                "chamber_pressure_right": {
                    "name": t("Right chamber {chamber}", "Cámara derecha {chamber}")
                },
            },
            "switch": {
                "chamber_zone": {"name": t("Use chamber {chamber}", "Usar cámara {chamber}")}
            },
        },
        "exceptions": {key: {"message": texts[i]} for key, texts in (ERRORS | VALIDATION).items()},
        "issues": {
            **{
                f"fault_{key}": {
                    "title": t("{name}: ", "{name}: ") + texts[0][i],
                    "fix_flow": fix_flow
                    | {
                        "step": {
                            "confirm": fix_flow["step"]["confirm"] | {"description": texts[1][i]}
                        }
                    },
                }
                for key, texts in FAULTS.items()
            },
            "locked_out": {
                "title": t("{name} locked out the PIN", "{name} bloquearon el PIN"),
                "description": t(
                    "Three wrong PINs were tried on {name}, so they refuse new attempts for 60 seconds. If the PIN changed, update it when Home Assistant asks (reauthentication).",
                    "Se probaron tres PIN incorrectos en {name}, así que rechazan nuevos intentos durante 60 segundos. Si el PIN cambió, actualízalo cuando Home Assistant lo pida (reautenticación).",
                ),
            },
        },
        "selector": {
            "program": {"options": _pick(PROGRAMS, i)},
            "legs": {"options": _pick(LEGS, i)},
        },
        "services": {
            "start_session": {
                "name": t("Start session", "Iniciar sesión"),
                "description": t(
                    "Starts a compression session. Values you leave out keep the boots' current settings, within your limits.",
                    "Inicia una sesión de compresión. Los valores que omitas mantienen los ajustes actuales de las botas, dentro de tus límites.",
                ),
                "fields": {
                    "device_id": device_field,
                    "program": {
                        "name": t("Program", "Programa"),
                        "description": t("Therapy program.", "Programa de terapia."),
                    },
                    "pressure": {
                        "name": t("Pressure", "Presión"),
                        "description": t(
                            "Target pressure; never above your limit.",
                            "Presión objetivo; nunca por encima de tu límite.",
                        ),
                    },
                    "duration": {
                        "name": t("Duration", "Duración"),
                        "description": t(
                            "Session length in minutes.", "Duración de la sesión en minutos."
                        ),
                    },
                    "legs": {
                        "name": t("Legs", "Piernas"),
                        "description": t("Which legs to treat.", "Qué piernas tratar."),
                    },
                },
            },
            "pause_session": {
                "name": t("Pause session", "Pausar sesión"),
                "description": t(
                    "Holds the chambers; the boots stop after 5 minutes paused.",
                    "Mantiene las cámaras; las botas paran tras 5 minutos en pausa.",
                ),
                "fields": {"device_id": device_field},
            },
            "resume_session": {
                "name": t("Resume session", "Reanudar sesión"),
                "description": t("Continues a paused session.", "Continúa una sesión en pausa."),
                "fields": {"device_id": device_field},
            },
        },
    }


def render(lang: str) -> str:
    """The file text for one language."""
    return json.dumps(build(lang), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Write the three files."""
    (ROOT / "strings.json").write_text(render("en"), encoding="utf-8")
    (ROOT / "translations" / "en.json").write_text(render("en"), encoding="utf-8")
    (ROOT / "translations" / "es.json").write_text(render("es"), encoding="utf-8")


if __name__ == "__main__":
    main()
