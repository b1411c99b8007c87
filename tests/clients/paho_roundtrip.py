"""paho-mqtt client for the roster tests: connect, subscribe to the own actions topic,
publish one request at each QoS (or at the one --qos names) and print each reply's QoS
and hex payload. With --tls CA_FILE it connects over TLS, trusting that CA only.

usage: paho_roundtrip.py HOST PORT CLIENT_ID REQUEST_HEX [--tls CA_FILE] [--qos N]
"""
import argparse
import sys
import threading

import paho.mqtt.client as mqtt

args = argparse.ArgumentParser()
args.add_argument("host")
args.add_argument("port", type=int)
args.add_argument("client_id")
args.add_argument("request_hex")
args.add_argument("--tls", metavar="CA_FILE")
args.add_argument("--qos", type=int, choices=(0, 1, 2))
args = args.parse_args()
host, port, client_id = args.host, args.port, args.client_id
request = bytes.fromhex(args.request_hex)
levels = (0, 1, 2) if args.qos is None else (args.qos,)
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
    if len(replies) == len(levels):
        done.set()


try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
except AttributeError:  # paho-mqtt 1.x
    client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv311)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
if args.tls:
    client.tls_set(ca_certs=args.tls)
client.connect(host, port, keepalive=30)
client.loop_start()
if not subscribed.wait(10):
    sys.exit("no SUBACK")
for qos in levels:
    info = client.publish(f"events/1//api/anon/{client_id}/", request, qos=qos)
    info.wait_for_publish(10)
    print(f"published qos {qos} acked {info.is_published()}", flush=True)
if not done.wait(10):
    sys.exit(f"only {len(replies)} replies")
for topic, qos, payload in replies:
    print(f"reply {topic} qos {qos} {payload}", flush=True)
client.disconnect()
client.loop_stop()
