"""paho-mqtt client for the roster tests: connect, subscribe to the own actions topic,
publish one request at each QoS and print each reply's QoS and hex payload.

usage: paho_roundtrip.py HOST PORT CLIENT_ID REQUEST_HEX
"""
import sys
import threading

import paho.mqtt.client as mqtt

host, port, client_id, request_hex = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
request = bytes.fromhex(request_hex)
actions = f"actions/1/api/{client_id}"
replies = []
done = threading.Event()
subscribed = threading.Event()


def on_connect(client, userdata, flags, rc, *rest):
    print(f"connack {rc}", flush=True)
    client.subscribe(actions, qos=2)


def on_subscribe(client, userdata, mid, granted, *rest):
    print(f"suback {[int(getattr(g, 'value', g)) for g in granted]}", flush=True)
    subscribed.set()


def on_message(client, userdata, msg):
    replies.append((msg.topic, msg.qos, msg.payload.hex()))
    if len(replies) == 3:
        done.set()


try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
except AttributeError:  # paho-mqtt 1.x
    client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv311)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect(host, port, keepalive=30)
client.loop_start()
if not subscribed.wait(10):
    sys.exit("no SUBACK")
for qos in (0, 1, 2):
    info = client.publish(f"events/1//api/anon/{client_id}/", request, qos=qos)
    info.wait_for_publish(10)
    print(f"published qos {qos} acked {info.is_published()}", flush=True)
if not done.wait(10):
    sys.exit(f"only {len(replies)} replies")
for topic, qos, payload in replies:
    print(f"reply {topic} qos {qos} {payload}", flush=True)
client.disconnect()
client.loop_stop()
