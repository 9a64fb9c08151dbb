struct NotAService {}
service A extends NotAService {}
service B extends Missing {}
service C extends D {}
service D extends C {}
